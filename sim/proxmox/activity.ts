// What tests look at from the outside: a request log with secrets masked, and a counter of
// concurrent operations (mutating requests in progress + running tasks) with its high-water mark.

export interface LoggedRequest {
  id: number;
  time: string;
  kind: "api" | "ssh" | "sftp" | "vnc";
  method: string;
  path: string;
  params: Record<string, string>;
  status: number | null;
  durationMs: number | null;
  fault?: string;
}

const SECRET_KEY = /password|secret|ticket|token/i;
const LOG_LIMIT = 2000;

export function maskParams(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, SECRET_KEY.test(k) ? "**********" : v]));
}

export function maskCommand(command: string): string {
  return command.replace(/(--?cipassword(?:=|\s+))("[^"]*"|'[^']*'|\S+)/g, "$1**********");
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  begin(entry: Omit<LoggedRequest, "id" | "time" | "status" | "durationMs">) {
    const started = Date.now();
    const logged: LoggedRequest = {
      id: ++this.seq,
      time: new Date(started).toISOString(),
      status: null,
      durationMs: null,
      ...entry,
      params: maskParams(entry.params),
    };
    this.entries.push(logged);
    if (this.entries.length > LOG_LIMIT) this.entries.splice(0, this.entries.length - LOG_LIMIT);
    return (status: number) => {
      logged.status = status;
      logged.durationMs = Date.now() - started;
    };
  }

  list(sinceId = 0): LoggedRequest[] {
    return this.entries.filter((e) => e.id > sinceId).map((e) => ({ ...e }));
  }

  clear() {
    this.entries = [];
  }
}

export class Concurrency {
  current = 0;
  max = 0;

  enter(): () => void {
    this.current++;
    this.max = Math.max(this.max, this.current);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.current--;
    };
  }

  reset() {
    this.max = this.current;
  }
}
