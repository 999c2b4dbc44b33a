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
 * Random bytes are drawn from the host a pool at a time: one getRandomValues call per
 * id, and the Array.from/map/join around it, were most of an id's 1.9 µs, made for
 * every run the controller accepts. Each byte is used once.
 */
const POOL_IDS = 64;
let pool = new Uint8Array(0);
let poolAt = 0;

function randomDigits(): Uint8Array {
  if (poolAt + RANDOM_LENGTH > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_IDS * RANDOM_LENGTH));
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + RANDOM_LENGTH);
  poolAt += RANDOM_LENGTH;
  // 256 is a multiple of 32, so each masked byte is a uniform base32 digit.
  for (let i = 0; i < RANDOM_LENGTH; i++) out[i] &= 31;
  return out;
}

/**
 * A ULID maker with its own monotonic state. The ids of one maker sort in the order
 * they were made; a test that moves its clock forward makes its own maker, so the
 * process's ids (`ulid`) do not continue from a time in the future.
 */
export function createUlidFactory(): UlidFactory {
  let lastTime = -1;
  let timeText = "";
  const digits = new Uint8Array(RANDOM_LENGTH);
  return (now = Date.now()) => {
    if (!Number.isInteger(now) || now < 0 || now > TIME_MAX) {
      throw new RangeError(`ULID time must be an integer from 0 to ${TIME_MAX}, got ${now}`);
    }
    if (now <= lastTime) {
      increment(digits);
    } else {
      lastTime = now;
      timeText = encodeTime(now);
      digits.set(randomDigits());
    }
    let out = timeText;
    for (let i = 0; i < RANDOM_LENGTH; i++) out += ALPHABET[digits[i]];
    return out;
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

/** Adds one to the random part's base32 digits, in place; on overflow they are left as they were. */
function increment(digits: Uint8Array): void {
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === 31) i--;
  if (i < 0) throw new RangeError("ULID random part overflowed within one millisecond");
  digits[i]++;
  digits.fill(0, i + 1);
}
