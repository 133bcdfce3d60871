import { FinishReason } from "@darkbloom/proto";

export type OpenAiFinishReason = "stop" | "length" | "tool_calls";

export function openAiFinishReason(reason: FinishReason): OpenAiFinishReason {
  switch (reason) {
    case FinishReason.LENGTH:
      return "length";
    case FinishReason.TOOL_CALLS:
      return "tool_calls";
    case FinishReason.STOP:
    case FinishReason.UNSPECIFIED:
    case FinishReason.CANCELLED:
    case FinishReason.ERROR:
      return "stop";
  }
}
