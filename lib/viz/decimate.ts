// Keeping figures small: a long curve is thinned to a fixed number of points that keep its shape
// (largest-triangle-three-buckets, Steinarsson 2013), so a live view's messages stay the same size
// at step 100 and at step 100,000.

export interface Series {
  x: number[];
  y: number[];
}

/** At most `max` points of (x, y), first and last kept; non-finite y values pass through as gaps. */
export function decimate(s: Series, max: number): Series {
  const n = s.x.length;
  if (n <= max || max < 3) return { x: s.x.slice(), y: s.y.slice() };
  const x: number[] = [s.x[0]!];
  const y: number[] = [s.y[0]!];
  const bucket = (n - 2) / (max - 2);
  let a = 0;
  for (let i = 0; i < max - 2; i++) {
    const start = Math.floor(i * bucket) + 1;
    const end = Math.min(Math.floor((i + 1) * bucket) + 1, n - 1);
    // Average of the next bucket: the third corner of the triangles.
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((i + 2) * bucket) + 1, n);
    let ax = 0;
    let ay = 0;
    let count = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      if (Number.isFinite(s.y[j]!)) {
        ax += s.x[j]!;
        ay += s.y[j]!;
        count++;
      }
    }
    if (count > 0) {
      ax /= count;
      ay /= count;
    } else {
      ax = s.x[n - 1]!;
      ay = s.y[n - 1]!;
    }
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const yj = s.y[j]!;
      // A NaN or inf (a diverged loss) always survives: it is what the eye should find.
      if (!Number.isFinite(yj)) {
        best = j;
        break;
      }
      const area = Math.abs((s.x[a]! - ax) * (yj - s.y[a]!) - (s.x[a]! - s.x[j]!) * (ay - s.y[a]!));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    x.push(s.x[best]!);
    y.push(s.y[best]!);
    a = best;
  }
  x.push(s.x[n - 1]!);
  y.push(s.y[n - 1]!);
  return { x, y };
}

/** Bias-corrected exponential moving average (TensorBoard's smoothing); gaps stay gaps. */
export function smooth(y: readonly number[], weight: number): number[] {
  const out: number[] = [];
  let last = 0;
  let debias = 0;
  for (const v of y) {
    if (!Number.isFinite(v)) {
      out.push(NaN);
      continue;
    }
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    out.push(last / debias);
  }
  return out;
}

/** y rounded to 5 significant digits: plenty for a plot (hover too), and a third of the JSON. */
export function trim(values: readonly number[]): number[] {
  return values.map((v) => (Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(5)) : v));
}
