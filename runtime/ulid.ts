/**
 * ULIDs (https://github.com/ulid/spec) for run and task ids: 48 bits of milliseconds
 * and 80 random bits in Crockford's base32, 26 characters that sort by creation time.
 * Ids made in the same millisecond (or after the clock stepped back) continue from the
 * previous one plus one, so they still sort in the order they were made.
 *
 * Written here rather than taken from the `ulid` package: its Node build imports
 * `node:crypto` when loaded, which in Bun pulls in Node's stream machinery, a tenth
 * of the start-up budget of `model-compose run`. Web Crypto's getRandomValues, which
 * every host has, is all the spec needs. The tests check these ids with that package.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_LENGTH = 10;
const RANDOM_LENGTH = 16;
const TIME_MAX = 2 ** 48 - 1;

/** Makes ULIDs at the time `now` gives (ms since the epoch). */
export type UlidFactory = (now?: number) => string;

/**
 * A ULID maker with its own monotonic state. The ids of one maker sort in the order
 * they were made; a test that moves its clock forward makes its own maker, so the
 * process's ids (`ulid`) do not continue from a time in the future.
 */
export function createUlidFactory(): UlidFactory {
  let lastTime = -1;
  let lastRandom: number[] = [];
  return (now = Date.now()) => {
    if (!Number.isInteger(now) || now < 0 || now > TIME_MAX) {
      throw new RangeError(`ULID time must be an integer from 0 to ${TIME_MAX}, got ${now}`);
    }
    if (now <= lastTime) {
      lastRandom = increment(lastRandom);
    } else {
      lastTime = now;
      // 256 is a multiple of 32, so each masked byte is a uniform base32 digit.
      lastRandom = Array.from(crypto.getRandomValues(new Uint8Array(RANDOM_LENGTH)), (b) => b & 31);
    }
    return encodeTime(lastTime) + lastRandom.map((d) => ALPHABET[d]).join("");
  };
}

const processUlid = createUlidFactory();

/** A new ULID at the current time, for run and task ids. */
export function ulid(): string {
  return processUlid();
}

function encodeTime(time: number): string {
  let out = "";
  let rest = time;
  for (let i = 0; i < TIME_LENGTH; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** The random part plus one, in base32 digits. */
function increment(digits: readonly number[]): number[] {
  const out = [...digits];
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] < 31) {
      out[i]++;
      return out;
    }
    out[i] = 0;
  }
  throw new RangeError("ULID random part overflowed within one millisecond");
}
