// The chaos test's seeded PRNG, shared: the same seed draws the same lives.
export { seededRandom, type Random } from "../chaos/random";
