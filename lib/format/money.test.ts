import { expect, it } from "vitest";
import { formatMoney } from "./money";

it.each([
  [3900, "usd", "$39"],
  [1999, "usd", "$19.99"],
  [119000, "usd", "$1,190"],
  [500, "eur", "€5"],
])("formats %i %s minor units as %s", (minor, currency, text) => {
  expect(formatMoney(minor, currency)).toBe(text);
});
