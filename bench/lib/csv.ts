/**
 * The upload the invite benchmark sends: a spreadsheet export as an admin would have it, its columns named the
 * way Outlook names them (so the column guess does real work), with repeats of earlier rows typed in another
 * letter case and rows no mailbox could have. Deterministic, so runs compare.
 */
export interface UploadSpec {
  rows: number;
  /** Every n-th row repeats an earlier address in another letter case. */
  duplicateEvery: number;
  /** Every n-th row (at an offset that never meets a duplicate slot) is not a valid address. */
  invalidEvery: number;
  seed: number;
}

export interface GeneratedUpload {
  csv: string;
  expected: { unique: number; duplicates: number; invalid: number; duplicatesInOtherCase: number };
}

export const DEFAULT_UPLOAD: UploadSpec = { rows: 10_000, duplicateEvery: 20, invalidEvery: 100, seed: 20240611 };

/** mulberry32: a few lines, seedable, good enough to scatter which earlier row a duplicate repeats. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Each fails a different rule of checkEmail, so the rejected count does not hinge on one check.
const INVALID = [
  "not-an-email",
  "missing-at.example.com",
  "two@@example.com",
  "a@b@example.com",
  "space in@example.com",
  "nodot@localhost",
  "=cmd@example.com",
  "dot.@example.com",
  "user@-bad-.com",
  "",
];

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Addresses are stored as typed; a third of them arrive capitalised, as exports from CRMs often do. */
function uniqueAddress(n: number): string {
  const local = `guest.${n}`;
  const domain = `example${n % 37}.com`;
  return n % 3 === 0 ? `Guest.${n}@Example${n % 37}.com` : `${local}@${domain}`;
}

function otherCase(email: string, variant: number): string {
  if (variant % 2 === 0) return email.toUpperCase() === email ? email.toLowerCase() : email.toUpperCase();
  // Alternating case: differs from both the lower-case and the capitalised spelling.
  let out = "";
  for (let i = 0; i < email.length; i++) out += i % 2 === 0 ? email[i]!.toUpperCase() : email[i]!.toLowerCase();
  return out === email ? email.toUpperCase() : out;
}

export function generateUpload(spec: UploadSpec = DEFAULT_UPLOAD): GeneratedUpload {
  const random = prng(spec.seed);
  const lines = ["Full Name,E-mail Address,Company"];
  const uniques: string[] = [];
  let duplicates = 0;
  let invalid = 0;
  let duplicatesInOtherCase = 0;
  const invalidOffset = Math.floor(spec.invalidEvery / 2) - 1;
  for (let i = 0; i < spec.rows; i++) {
    if (i % spec.invalidEvery === invalidOffset) {
      const email = INVALID[invalid % INVALID.length]!;
      lines.push([cell(`Broken ${invalid}`), cell(email), cell("Nowhere Ltd")].join(","));
      invalid += 1;
    } else if (i % spec.duplicateEvery === spec.duplicateEvery - 1 && uniques.length > 0) {
      const original = uniques[Math.floor(random() * uniques.length)]!;
      const email = otherCase(original, duplicates);
      if (email !== original) duplicatesInOtherCase += 1;
      lines.push([cell(`Repeat ${duplicates}`), cell(email), cell("Acme, Inc.")].join(","));
      duplicates += 1;
    } else {
      const n = uniques.length;
      const email = uniqueAddress(n);
      uniques.push(email);
      // Quoted commas and accents: the parser's real work, not only the happy path.
      const company = n % 5 === 0 ? `Société ${n % 97}, SARL` : `Company ${n % 97}`;
      lines.push([cell(`Guest ${n}`), cell(email), cell(company)].join(","));
    }
  }
  return {
    csv: `${lines.join("\r\n")}\r\n`,
    expected: { unique: uniques.length, duplicates, invalid, duplicatesInOtherCase },
  };
}
