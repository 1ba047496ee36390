// Stripe's idempotency: the first result for a key is saved and replayed for the same request
// (header `Idempotent-Replayed: true`); the same key with other parameters is an
// idempotency_error. Results are saved only once the endpoint ran: validation errors are not.
import { StripeApiError } from "./errors";

interface SavedResponse {
  method: string;
  path: string;
  body: string;
  status: number;
  payload: unknown;
}

export class IdempotencyCache {
  private readonly saved = new Map<string, SavedResponse>();

  /** The saved response to replay, or undefined when the key is new. */
  lookup(key: string, method: string, path: string, body: string): SavedResponse | undefined {
    const saved = this.saved.get(key);
    if (!saved) return undefined;
    if (saved.method !== method || saved.path !== path || saved.body !== body) {
      throw new StripeApiError(400, {
        type: "idempotency_error",
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    return saved;
  }

  save(key: string, response: SavedResponse) {
    if (response.status < 400 || response.status === 402) this.saved.set(key, response);
  }

  clear() {
    this.saved.clear();
  }
}
