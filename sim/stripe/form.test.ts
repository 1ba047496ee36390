import { describe, expect, it } from "vitest";
import { decodeForm } from "./form";

describe("decodeForm (Stripe's bracket form encoding)", () => {
  it("decodes nested objects and indexed arrays as stripe-node writes them", () => {
    const body =
      "mode=subscription&line_items[0][price]=price_1&line_items[0][quantity]=2" +
      "&line_items[1][price]=price_2&line_items[1][quantity]=1&subscription_data[metadata][orderId]=o%201" +
      "&expand[0]=subscription&expand[1]=line_items";
    expect(decodeForm(body)).toEqual({
      mode: "subscription",
      line_items: [
        { price: "price_1", quantity: "2" },
        { price: "price_2", quantity: "1" },
      ],
      subscription_data: { metadata: { orderId: "o 1" } },
      expand: ["subscription", "line_items"],
    });
  });

  it("accepts curl's empty brackets and percent-encoded brackets", () => {
    expect(decodeForm("expand[]=a&expand[]=b")).toEqual({ expand: ["a", "b"] });
    expect(decodeForm("items%5B0%5D%5Bprice%5D=p")).toEqual({ items: [{ price: "p" }] });
  });

  it("keeps metadata a hash even with numeric keys, and keeps empty values (they mean unset)", () => {
    expect(decodeForm("metadata[0]=x&metadata[note]=")).toEqual({ metadata: { "0": "x", note: "" } });
  });

  it("orders sparse indexes numerically and ignores malformed keys", () => {
    expect(decodeForm("a[10]=ten&a[2]=two&bad[key=1&[x]=y")).toEqual({ a: ["two", "ten"] });
  });
});
