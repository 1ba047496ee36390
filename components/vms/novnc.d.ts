// The part of noVNC 1.7's RFB API the console page uses (docs/API.md); the package ships no types.
declare module "@novnc/novnc" {
  export default class RFB extends EventTarget {
    constructor(
      target: HTMLElement,
      urlOrChannel: string | WebSocket,
      options?: { credentials?: { password?: string }; wsProtocols?: string[]; shared?: boolean },
    );
    scaleViewport: boolean;
    resizeSession: boolean;
    clipViewport: boolean;
    viewOnly: boolean;
    focusOnClick: boolean;
    sendCtrlAltDel(): void;
    sendKey(keysym: number, code: string | null, down?: boolean): void;
    disconnect(): void;
    focus(): void;
  }
}
