import type { WebSocket } from "ws";

/**
 * Pings a provider socket: resolves true when its pong arrives within `timeoutMs`, false on
 * timeout or close. A frozen or vanished provider (network blip, suspended process) cannot pong.
 */
export function probeSocket(socket: WebSocket, timeoutMs: number): Promise<boolean> {
  if (socket.readyState !== socket.OPEN) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (alive: boolean): void => {
      clearTimeout(timer);
      socket.off("pong", onPong);
      socket.off("close", onClose);
      resolve(alive);
    };
    const onPong = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("pong", onPong);
    socket.on("close", onClose);
    socket.ping(undefined, undefined, (err) => {
      if (err) done(false);
    });
  });
}
