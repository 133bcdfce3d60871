/**
 * A chat message as the provider's chat template takes it (an init shape of the protobuf
 * ChatMessage). Every API shape (responses, messages) converts its turns into these, keeping
 * roles and tool calls intact.
 */
export interface PlainMessage {
  role: string;
  content: string;
  toolCallId: string;
  toolCalls: Array<{ id: string; name: string; argumentsJson: string }>;
}
