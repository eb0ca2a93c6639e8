import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wrapToPi } from '../src/angle.js';

test('wrapToPi is atan2(sin x, cos x) to float64 round-off, over many turns and both signs', () => {
  let worst = 0;
  for (let i = -20000; i <= 20000; i++) {
    const x = i * 0.0173 + 1e-3 * Math.sin(i); // irregular points from −346 to 346 rad
    const want = Math.atan2(Math.sin(x), Math.cos(x));
    const got = wrapToPi(x);
    assert.ok(got > -Math.PI && got <= Math.PI, `wrapToPi(${x}) = ${got} is outside (−π, π]`);
    // Compare on the circle: at ±π the two may pick either end.
    const d = Math.abs(got - want);
    worst = Math.max(worst, Math.min(d, 2 * Math.PI - d));
  }
  assert.ok(worst < 1e-12, `worst difference ${worst}`);
});

test('wrapToPi keeps the boundary on the +π side', () => {
  assert.equal(wrapToPi(Math.PI), Math.PI);
  assert.equal(wrapToPi(-Math.PI), Math.PI);
  assert.equal(wrapToPi(0), 0);
  assert.ok(Number.isNaN(wrapToPi(Number.NaN)));
});
