// Test controls that are not part of Stripe's API, shared by the /_sim routes and the handle.
import type Stripe from "stripe";
import type { BillingDetails } from "./checkout-tax";
import { payInvoiceNow } from "./billing";
import { normalizeCardNumber, validateCardNumber } from "./cards";
import { finishAuthentication, type PaymentOutcome, submitPayment } from "./checkout";
import { StripeApiError } from "./errors";
import { setCustomerCardBehaviour } from "./payment-methods";
import { advanceTestClock, atTimeOf, whenSettled } from "./test-clocks";
import type { SimContext } from "./types";

export interface PayCheckoutOptions {
  /** Defaults to 4242 4242 4242 4242. */
  card?: string;
  email?: string;
  /** What to do if the card asks for 3-D Secure (default: complete). */
  authenticate?: "complete" | "fail";
  /** The billing address and business tax ID, where the session collects them. */
  billing?: BillingDetails;
}

export interface PayCheckoutResult {
  status: PaymentOutcome["kind"];
  redirect?: string;
  error?: string;
  session: Stripe.Checkout.Session;
}

export class SimControls {
  constructor(private readonly ctx: SimContext) {}

  /**
   * Advances a test clock (Stripe's API: asynchronous) and resolves once it is ready again:
   * `to` is the new frozen time, or `{ seconds }` from the current one.
   */
  async advanceTestClock(id: string, to: number | { seconds: number }): Promise<Stripe.TestHelpers.TestClock> {
    const clock = this.ctx.store.testClock(id);
    const target = typeof to === "number" ? to : clock.frozen_time + Math.floor(to.seconds);
    advanceTestClock(this.ctx, clock, target);
    return whenSettled(this.ctx, id);
  }

  /** The shortcut for a browser paying on the hosted page. */
  payCheckout(sessionId: string, opts: PayCheckoutOptions = {}): PayCheckoutResult {
    return atTimeOf(this.ctx, [sessionId], () => this.payCheckoutNow(sessionId, opts));
  }

  private payCheckoutNow(sessionId: string, opts: PayCheckoutOptions): PayCheckoutResult {
    const { ctx } = this;
    ctx.tick();
    const session = ctx.store.session(sessionId);
    let outcome = submitPayment(ctx, session, { card: opts.card ?? "4242424242424242", email: opts.email ?? "customer@example.test", billing: opts.billing });
    if (outcome.kind === "authenticate") outcome = finishAuthentication(ctx, session, (opts.authenticate ?? "complete") === "complete");
    return {
      status: outcome.kind,
      ...(outcome.kind === "complete" ? { redirect: outcome.redirect } : {}),
      ...(outcome.kind === "declined" ? { error: outcome.decline.message } : {}),
      session,
    };
  }

  /**
   * From now on every card of this customer answers charges as `number` does (e.g. the bank starts
   * declining it), whichever payment method Stripe picks; a customer without one gets one.
   */
  setCustomerCard(customerId: string, number: string) {
    const card = normalizeCardNumber(number);
    const invalid = validateCardNumber(card);
    if (invalid) throw new StripeApiError(400, { type: "invalid_request_error", message: invalid.message, param: "number" });
    return atTimeOf(this.ctx, [customerId], () => setCustomerCardBehaviour(this.ctx, this.ctx.store.customer(customerId), card));
  }

  /** Pays an open invoice as the customer would on the hosted invoice page. */
  payInvoice(invoiceId: string, card?: string): { paid: boolean; error?: string; invoice: Stripe.Invoice } {
    const invoice = this.ctx.store.invoice(invoiceId);
    return atTimeOf(this.ctx, [invoiceId], () => {
      try {
        payInvoiceNow(this.ctx, invoice, { card, offSession: false, authenticated: true });
        return { paid: true, invoice };
      } catch (error) {
        if (error instanceof StripeApiError && error.status === 402) return { paid: false, error: error.message, invoice };
        throw error;
      }
    });
  }
}
