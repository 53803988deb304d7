;; TsampQuantize as WebAssembly SIMD: roundBits (lib/formats/round.ts) four float32 patterns at a
;; time (i32x4 / f32x4), bit for bit, and draw32 (lib/formats/random.ts) for stochastic rounding.
;;
;; build.mjs compiles this file with wabt into lib/formats/kernels/wasm-simd-binary.ts, three times,
;; with the MEMORY line below replaced: importing the tfjs wasm backend's own memory (plain, or
;; shared for its threaded build), so the kernel reads and writes tensors where they live, or owning
;; a memory (the copy-through fallback). The plan's numbers arrive as i32 parameters and are
;; splatted once per call; wasm-simd.ts computes them from the RoundPlan.
;;
;; Why not roundBits' integer algorithm lane by lane: wasm SIMD shifts every lane by one amount, and
;; roundBits shifts by s, which varies per element below the format's smallest normal. So:
;; - At or above the smallest normal (|x| >= 2^emin) the spacing is 2^s0 float32 ulps for every
;;   lane, and roundBits' integer rounding on the pattern runs as is, with the uniform shift s0.
;; - Below it the spacing is the constant 2^qmin (qmin = emin - M), and float arithmetic rounds there
;;   exactly: with C = 2^(qmin + 23) >= 2^emin > |x|, the sum |x| + C lies in [C, 2C), where the
;;   float32 spacing is 2^qmin, so the IEEE add rounds it to nearest-even on the format's grid (the
;;   sum's last bit is the grid index's parity, since C / 2^qmin = 2^23 is even; a carry reaches 2C
;;   at most), and subtracting C is exact (Sterbenz). That
;;   covers format subnormals and values below the smallest subnormal (roundTiny) in one step.
;;   Wasm float arithmetic is IEEE with subnormals (no flush to zero), so this holds on every engine.
;; Each lane takes one of the two results (bitselect); then overflow, NaN and the sign, as roundBits.
;;
;; Every function takes byte addresses src and dst and a length n >= 4 (the caller does shorter
;; tensors itself). The loop runs over whole vectors and finishes with the window [n - 4, n), which
;; may overlap the previous one: each result is a function of its input and its index only, so the
;; overlap is recomputed to the same values (and rounding is idempotent, should src be dst).

(module
  MEMORY

  ;; The loop, the same in every function: p (a byte offset) runs over whole vectors up to end;
  ;; then, when n is not a multiple of 4, the outer loop runs the body once more on the last window
  ;; [n - 4, n). Written out in each function (wat has no macros).
  ;;
  ;; The sign, also the same: the result keeps x's sign (x xor |x|) unless it is NaN, or zero in a
  ;; format without -0 (fnuz). That is "b + zadd > zt" (signed) failing, with zadd = 0 and zt = inf
  ;; (only NaN is above inf), or for fnuz zadd = 0x7fffffff and zt = inf + 0x7fffffff, which moves
  ;; 0 to the top of the signed order and 1..inf below zt.

  ;; --------------------------------------------------------------------------------------------
  ;; Nearest-even, for any format (the five functions below are faster where they apply;
  ;; wasm-simd.ts picks).
  ;;   halfp1  (2^s0 - 1) >> 1, plus 1 when s0 = 23 (the grid index is then the implicit bit, odd),
  ;;           plus 1: roundBits adds half - 1 + lsb, here half - 1 + 1 + (-1 where lsb is 0)
  ;;   unitL   2^s0, whose bit in a is the grid index's parity; 0 when s0 is 0 or 23 (no parity
  ;;           to add: float32's own grid, or folded into halfp1)
  ;;   mask0   2^s0 - 1
  ;;   c       float32 bits of C = 2^(qmin + 23)
  ;;   t1      the largest |x| pattern that does not round past max (rounding is monotone, so the
  ;;           overflow test needs only a, and runs beside the rounding rather than after it)
  ;;   ovf     magnitude past max: inf, NaN or max (and for inf input, which is past t1)
  (func (export "nearestEven")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $halfp1 i32) (param $unitL i32) (param $mask0 i32) (param $c i32) (param $minNormal i32)
    (param $t1 i32) (param $ovf i32) (param $zadd i32) (param $zt i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vHalfp1 v128) (local $vUnitL v128) (local $vMask0 v128) (local $vC v128) (local $vMinNormal v128)
    (local $vT1 v128) (local $vOvf v128) (local $vZadd v128) (local $vZt v128)
    (local $x v128) (local $a v128) (local $b v128)
    (local.set $vHalfp1 (i32x4.splat (local.get $halfp1)))
    (local.set $vUnitL (i32x4.splat (local.get $unitL)))
    (local.set $vMask0 (i32x4.splat (local.get $mask0)))
    (local.set $vC (i32x4.splat (local.get $c)))
    (local.set $vMinNormal (i32x4.splat (local.get $minNormal)))
    (local.set $vT1 (i32x4.splat (local.get $t1)))
    (local.set $vOvf (i32x4.splat (local.get $ovf)))
    (local.set $vZadd (i32x4.splat (local.get $zadd)))
    (local.set $vZt (i32x4.splat (local.get $zt)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a (v128.and (local.get $x) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        ;; At or above the smallest normal: roundBits' integer rounding with the shift s0. Below
        ;; it: (|x| + C) - C. Each lane takes its own.
        (local.set $b
          (v128.bitselect
            (f32x4.sub (f32x4.add (local.get $a) (local.get $vC)) (local.get $vC))
            (v128.andnot
              (i32x4.add
                (i32x4.add (local.get $a) (local.get $vHalfp1))
                (i32x4.eq (v128.and (local.get $a) (local.get $vUnitL)) (v128.const i32x4 0 0 0 0)))
              (local.get $vMask0))
            (i32x4.lt_s (local.get $a) (local.get $vMinNormal))))
        ;; Past max, and inf: ovf. NaN: the canonical NaN, above every ovf, so a max puts it in.
        (local.set $b
          (v128.bitselect (local.get $vOvf) (local.get $b) (i32x4.gt_s (local.get $a) (local.get $vT1))))
        (local.set $b
          (i32x4.max_s
            (local.get $b)
            (v128.and
              (i32x4.gt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000))))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (local.get $b)
            (v128.andnot
              (v128.xor (local.get $x) (local.get $a))
              (i32x4.gt_s (i32x4.add (local.get $b) (local.get $vZadd)) (local.get $vZt)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Nearest-even, all float: for formats whose largest binade keeps 2^(emax + s0) a float32
  ;; (emax + s0 <= 127) and whose grid is coarser than float32's (s0 >= 1; round.ts's
  ;; floatStepFits): of the named formats, those without -0 (fnuz); the others take
  ;; nearestEvenFloatClamped or nearestEvenFloatInfNaN, below. The magic constant of the
  ;; subnormal step works in every binade when it follows the binade: C' = 2^(max(e, emin) + s0),
  ;; whose float32 spacing is the format's there, 2^(max(e, emin) - M), and |x| < 2^(e+1) <= C'
  ;; (s0 >= 1), so (|x| + C') - C' is |x| rounded to
  ;; nearest-even on the format's grid (a carry to the next binade included). C' is built from
  ;; |x|'s exponent field: (a & 0x7f800000) + (s0 << 23), at least C. Lanes past max (where C' may
  ;; pass float32's range) are replaced by the overflow step, as in nearestEven. About half the
  ;; instructions of nearestEven: no integer path and no select between two results.
  ;;   s0sh  s0 << 23
  (func (export "nearestEvenFloat")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $s0sh i32) (param $c i32) (param $t1 i32) (param $ovf i32) (param $zadd i32) (param $zt i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vS0sh v128) (local $vC v128) (local $vT1 v128) (local $vOvf v128) (local $vZadd v128) (local $vZt v128)
    (local $x v128) (local $a v128) (local $b v128)
    (local.set $vS0sh (i32x4.splat (local.get $s0sh)))
    (local.set $vC (i32x4.splat (local.get $c)))
    (local.set $vT1 (i32x4.splat (local.get $t1)))
    (local.set $vOvf (i32x4.splat (local.get $ovf)))
    (local.set $vZadd (i32x4.splat (local.get $zadd)))
    (local.set $vZt (i32x4.splat (local.get $zt)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a (v128.and (local.get $x) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        ;; b is C' for now.
        (local.set $b
          (i32x4.max_s
            (i32x4.add
              (v128.and (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (local.get $vS0sh))
            (local.get $vC)))
        (local.set $b (f32x4.sub (f32x4.add (local.get $a) (local.get $b)) (local.get $b)))
        (local.set $b
          (v128.bitselect (local.get $vOvf) (local.get $b) (i32x4.gt_s (local.get $a) (local.get $vT1))))
        (local.set $b
          (i32x4.max_s
            (local.get $b)
            (v128.and
              (i32x4.gt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000))))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (local.get $b)
            (v128.andnot
              (v128.xor (local.get $x) (local.get $a))
              (i32x4.gt_s (i32x4.add (local.get $b) (local.get $vZadd)) (local.get $vZt)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Nearest-even, all float, with the overflow folded in: nearestEvenFloat for the formats with a
  ;; negative zero whose past-max value is max (fin, or saturate); nearestEvenFloatInfNaN below
  ;; does the same where it is inf or NaN. About half its instructions:
  ;; - |x| is first clamped to max: pmin(|x|, max) keeps NaN (pmin(a, b) is b < a ? b : a, false
  ;;   for NaN) and maps everything past max, inf included, to max, which rounds to itself.
  ;; - The clamp keeps every exponent at or below emax, so C' stays finite (emax + s0 <= 127).
  ;; - NaN goes through the float arithmetic as some NaN (DESIGN.md: any NaN matches), so there is
  ;;   no NaN test; its sign then does not matter either, so every lane takes x's sign bit, which
  ;;   also gives -0 for a negative value that rounded to zero (the format has -0).
  ;;   limit  float32 bits of max
  (func (export "nearestEvenFloatClamped")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $s0sh i32) (param $c i32) (param $limit i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vS0sh v128) (local $vC v128) (local $vLimit v128)
    (local $x v128) (local $a v128) (local $b v128)
    (local.set $vS0sh (i32x4.splat (local.get $s0sh)))
    (local.set $vC (i32x4.splat (local.get $c)))
    (local.set $vLimit (i32x4.splat (local.get $limit)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a
          (f32x4.pmin
            (v128.and (local.get $x) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
            (local.get $vLimit)))
        ;; b is C' for now.
        (local.set $b
          (i32x4.max_s
            (i32x4.add
              (v128.and (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (local.get $vS0sh))
            (local.get $vC)))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (f32x4.sub (f32x4.add (local.get $a) (local.get $b)) (local.get $b))
            (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Nearest-even, all float, for the formats with a negative zero whose past-max value is inf
  ;; (ieee: float16, float8_e5m2) or NaN (fn unsaturated: float8_e4m3fn): nearestEvenFloatClamped
  ;; with the clamp replaced by its opposite. Every |x| that rounds past max (above t1, as in
  ;; nearestEven) first becomes that value, ovf (max_u with ovf in those lanes, which keeps NaN,
  ;; the largest patterns); inf's and NaN's exponent field plus s0 leaves float32's range and
  ;; wraps negative, so C' is C there, and the rounding step passes inf and NaN through.
  ;;   limit  t1, the largest |x| pattern that rounds to max or below
  ;;   ovf    inf or NaN
  (func (export "nearestEvenFloatInfNaN")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $s0sh i32) (param $c i32) (param $limit i32) (param $ovf i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vS0sh v128) (local $vC v128) (local $vLimit v128) (local $vOvf v128)
    (local $x v128) (local $a v128) (local $b v128)
    (local.set $vS0sh (i32x4.splat (local.get $s0sh)))
    (local.set $vC (i32x4.splat (local.get $c)))
    (local.set $vLimit (i32x4.splat (local.get $limit)))
    (local.set $vOvf (i32x4.splat (local.get $ovf)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a (v128.and (local.get $x) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (local.set $a
          (i32x4.max_u
            (local.get $a)
            (v128.and (i32x4.gt_s (local.get $a) (local.get $vLimit)) (local.get $vOvf))))
        (local.set $b
          (i32x4.max_s
            (i32x4.add
              (v128.and (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (local.get $vS0sh))
            (local.get $vC)))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (f32x4.sub (f32x4.add (local.get $a) (local.get $b)) (local.get $b))
            (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Nearest-even, all integer: for formats whose smallest normal is float32's (bias 127) where
  ;; nearestEvenIntClamped (bfloat16, tf32, float32) does not apply. The spacing there is 2^s0
  ;; float32 ulps for every lane, float32 subnormals included (their patterns are linear with the
  ;; same ulp), so nearestEven's integer step alone is roundBits. Not for s0 = 23, whose parity
  ;; folded into halfp1 is wrong for float32 subnormals (no implicit bit). Parameters as
  ;; nearestEven's.
  (func (export "nearestEvenInt")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $halfp1 i32) (param $unitL i32) (param $mask0 i32)
    (param $t1 i32) (param $ovf i32) (param $zadd i32) (param $zt i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vHalfp1 v128) (local $vUnitL v128) (local $vMask0 v128)
    (local $vT1 v128) (local $vOvf v128) (local $vZadd v128) (local $vZt v128)
    (local $x v128) (local $a v128) (local $b v128)
    (local.set $vHalfp1 (i32x4.splat (local.get $halfp1)))
    (local.set $vUnitL (i32x4.splat (local.get $unitL)))
    (local.set $vMask0 (i32x4.splat (local.get $mask0)))
    (local.set $vT1 (i32x4.splat (local.get $t1)))
    (local.set $vOvf (i32x4.splat (local.get $ovf)))
    (local.set $vZadd (i32x4.splat (local.get $zadd)))
    (local.set $vZt (i32x4.splat (local.get $zt)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a (v128.and (local.get $x) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (local.set $b
          (v128.andnot
            (i32x4.add
              (i32x4.add (local.get $a) (local.get $vHalfp1))
              (i32x4.eq (v128.and (local.get $a) (local.get $vUnitL)) (v128.const i32x4 0 0 0 0)))
            (local.get $vMask0)))
        (local.set $b
          (v128.bitselect (local.get $vOvf) (local.get $b) (i32x4.gt_s (local.get $a) (local.get $vT1))))
        (local.set $b
          (i32x4.max_s
            (local.get $b)
            (v128.and
              (i32x4.gt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000))))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (local.get $b)
            (v128.andnot
              (v128.xor (local.get $x) (local.get $a))
              (i32x4.gt_s (i32x4.add (local.get $b) (local.get $vZadd)) (local.get $vZt)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Nearest-even, all integer, with the overflow folded in: nearestEvenInt for the formats with a
  ;; negative zero whose past-max value is max (saturate) or inf with the integer step carrying
  ;; into it (ieee, max + 2^s0 = inf: bfloat16, tf32). As in nearestEvenFloatClamped, |x| is first
  ;; clamped with pmin (limit: max, or inf, which changes nothing), and each lane takes x's sign
  ;; bit. NaN, which the integer step could turn into inf or wrap to -0, is first made the
  ;; canonical NaN, whose pattern the step keeps (the float32 grid's bits below it are zero).
  ;;   limit  float32 bits of the clamp
  (func (export "nearestEvenIntClamped")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $halfp1 i32) (param $unitL i32) (param $mask0 i32) (param $limit i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vHalfp1 v128) (local $vUnitL v128) (local $vMask0 v128) (local $vLimit v128)
    (local $x v128) (local $a v128) (local $b v128)
    (local.set $vHalfp1 (i32x4.splat (local.get $halfp1)))
    (local.set $vUnitL (i32x4.splat (local.get $unitL)))
    (local.set $vMask0 (i32x4.splat (local.get $mask0)))
    (local.set $vLimit (i32x4.splat (local.get $limit)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        ;; NaN: quieted by the add (an arithmetic NaN has the quiet bit, whatever its sign), then
        ;; the canonical NaN, which every step below keeps. The add is exact for the rest.
        (local.set $a
          (f32x4.pmin
            (i32x4.min_u
              (f32x4.add
                (v128.and (local.get $x) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
                (v128.const i32x4 0 0 0 0))
              (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000))
            (local.get $vLimit)))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (v128.andnot
              (i32x4.add
                (i32x4.add (local.get $a) (local.get $vHalfp1))
                (i32x4.eq (v128.and (local.get $a) (local.get $vUnitL)) (v128.const i32x4 0 0 0 0)))
              (local.get $vMask0))
            (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Toward-zero. At or above the smallest normal a & ~mask0; below it the nearest-even grid value,
  ;; less one spacing where that went above |x|. A finite value past max gives max (min), an inf
  ;; input the rule's infBits and NaN the canonical NaN (maxes: infBits >= max, NaN >= infBits).
  ;;   spacing  float32 bits of 2^qmin (the smallest subnormal)
  (func (export "towardZero")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $mask0 i32) (param $c i32) (param $spacing i32) (param $minNormal i32) (param $maxBits i32)
    (param $infBits i32) (param $zadd i32) (param $zt i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vMask0 v128) (local $vC v128) (local $vSpacing v128) (local $vMinNormal v128) (local $vMax v128)
    (local $vInf v128) (local $vZadd v128) (local $vZt v128)
    (local $x v128) (local $a v128) (local $b v128) (local $r v128)
    (local.set $vMask0 (i32x4.splat (local.get $mask0)))
    (local.set $vC (i32x4.splat (local.get $c)))
    (local.set $vSpacing (i32x4.splat (local.get $spacing)))
    (local.set $vMinNormal (i32x4.splat (local.get $minNormal)))
    (local.set $vMax (i32x4.splat (local.get $maxBits)))
    (local.set $vInf (i32x4.splat (local.get $infBits)))
    (local.set $vZadd (i32x4.splat (local.get $zadd)))
    (local.set $vZt (i32x4.splat (local.get $zt)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a (v128.and (local.get $x) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (local.set $r (f32x4.sub (f32x4.add (local.get $a) (local.get $vC)) (local.get $vC)))
        (local.set $r
          (f32x4.sub (local.get $r) (v128.and (f32x4.gt (local.get $r) (local.get $a)) (local.get $vSpacing))))
        (local.set $b
          (i32x4.min_s
            (v128.bitselect
              (local.get $r)
              (v128.andnot (local.get $a) (local.get $vMask0))
              (i32x4.lt_s (local.get $a) (local.get $vMinNormal)))
            (local.get $vMax)))
        (local.set $b
          (i32x4.max_s
            (local.get $b)
            (v128.and
              (i32x4.gt_s (local.get $a) (v128.const i32x4 0x7f7fffff 0x7f7fffff 0x7f7fffff 0x7f7fffff))
              (local.get $vInf))))
        (local.set $b
          (i32x4.max_s
            (local.get $b)
            (v128.and
              (i32x4.gt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000))))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (local.get $b)
            (v128.andnot
              (v128.xor (local.get $x) (local.get $a))
              (i32x4.gt_s (i32x4.add (local.get $b) (local.get $vZadd)) (local.get $vZt)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Stochastic, for any format (stochasticClamped and stochasticInfNaN below are faster where they
  ;; apply; wasm-simd.ts picks). The draw for element i is mix32((i + k0) ^ k1) (draw32).
  ;; roundBits rounds up when u * 2^s < rem with u = draw / 2^32, i.e. when draw < rem * 2^(32 - s).
  ;; - At or above the smallest normal, s = s0 and rem = a & mask0, so that is D < rem with
  ;;   D = draw >>> (32 - s0), the draw's top s0 bits; equivalently (mask0 - D) + rem >= 2^s0. So
  ;;   adding (~draw) >>> (32 - s0) to a carries into the kept bits exactly when rounding goes up,
  ;;   and a & ~mask0 of the sum is the result (the add-and-truncate of stochastic rounding
  ;;   hardware, three vector operations). At s0 = 0 (float32's own grid) the shift is 32, which
  ;;   wasm takes mod 32; the mask makes the addend 0 there, as rem is.
  ;; - Below it: d = draw >>> 1 < ceil(rem * 2^(31 - s)), the same condition (for an integer m,
  ;;   draw < m iff draw >>> 1 < ceil(m / 2)) with both sides in 31 bits for a signed compare.
  ;;   With t the truncated grid value (as toward-zero), rem / 2^s = (|x| - t) / 2^qmin, and
  ;;   (|x| - t) * 2^(31 - qmin) is exact in float32 (a power-of-two scaling, in two factors
  ;;   f1 * f2 since 2^(31 - qmin) can pass float32's range); ceil, then to i32, exact.
  ;;   Only vectors with such a lane take this branch (most data is above the smallest normal).
  ;;   shift   32 - s0
  ;;   k0, k1  seedKeys(seed); k0 already advanced to the first element's index
  (func (export "stochastic")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $shift i32) (param $mask0 i32) (param $c i32) (param $spacing i32)
    (param $f1 i32) (param $f2 i32) (param $minNormal i32) (param $maxBits i32) (param $ovf i32)
    (param $zadd i32) (param $zt i32) (param $k0 i32) (param $k1 i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vMask0 v128) (local $vC v128) (local $vSpacing v128) (local $vF1 v128)
    (local $vF2 v128) (local $vMinNormal v128) (local $vMax v128) (local $vOvf v128) (local $vZadd v128)
    (local $vZt v128) (local $vK1 v128)
    (local $x v128) (local $a v128) (local $b v128) (local $r v128) (local $d v128) (local $sub v128)
    (local $i v128)
    (local.set $vMask0 (i32x4.splat (local.get $mask0)))
    (local.set $vC (i32x4.splat (local.get $c)))
    (local.set $vSpacing (i32x4.splat (local.get $spacing)))
    (local.set $vF1 (i32x4.splat (local.get $f1)))
    (local.set $vF2 (i32x4.splat (local.get $f2)))
    (local.set $vMinNormal (i32x4.splat (local.get $minNormal)))
    (local.set $vMax (i32x4.splat (local.get $maxBits)))
    (local.set $vOvf (i32x4.splat (local.get $ovf)))
    (local.set $vZadd (i32x4.splat (local.get $zadd)))
    (local.set $vZt (i32x4.splat (local.get $zt)))
    (local.set $vK1 (i32x4.splat (local.get $k1)))
    ;; The counters i + k0 of the current vector's lanes.
    (local.set $i (i32x4.add (i32x4.splat (local.get $k0)) (v128.const i32x4 0 1 2 3)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        ;; d = draw32(k0, k1, i) for the four indices i = p / 4 ...
        (local.set $d (v128.xor (local.get $i) (local.get $vK1)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 16))))
        (local.set $d (i32x4.mul (local.get $d) (v128.const i32x4 0x21f0aaad 0x21f0aaad 0x21f0aaad 0x21f0aaad)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 15))))
        (local.set $d (i32x4.mul (local.get $d) (v128.const i32x4 0x735a2d97 0x735a2d97 0x735a2d97 0x735a2d97)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 15))))
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a (v128.and (local.get $x) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        ;; At or above the smallest normal: (a + ((~draw >>> (32 - s0)) & mask0)) & ~mask0.
        (local.set $b
          (v128.andnot
            (i32x4.add
              (local.get $a)
              (v128.and (i32x4.shr_u (v128.not (local.get $d)) (local.get $shift)) (local.get $vMask0)))
            (local.get $vMask0)))
        ;; Below it: t, then t + 2^qmin when draw >>> 1 < ceil((|x| - t) * 2^(31 - qmin)).
        (local.set $sub (i32x4.lt_s (local.get $a) (local.get $vMinNormal)))
        (if (v128.any_true (local.get $sub))
          (then
            (local.set $r (f32x4.sub (f32x4.add (local.get $a) (local.get $vC)) (local.get $vC)))
            (local.set $r
              (f32x4.sub (local.get $r) (v128.and (f32x4.gt (local.get $r) (local.get $a)) (local.get $vSpacing))))
            (local.set $r
              (f32x4.add
                (local.get $r)
                (v128.and
                  (i32x4.gt_s
                    (i32x4.trunc_sat_f32x4_s
                      (f32x4.ceil
                        (f32x4.mul
                          (f32x4.mul (f32x4.sub (local.get $a) (local.get $r)) (local.get $vF1))
                          (local.get $vF2))))
                    (i32x4.shr_u (local.get $d) (i32.const 1)))
                  (local.get $vSpacing))))
            (local.set $b (v128.bitselect (local.get $r) (local.get $b) (local.get $sub)))))
        ;; Past max (finite or inf): ovf. NaN lanes may have wrapped negative; the max puts NaN in.
        (local.set $b
          (v128.bitselect (local.get $vOvf) (local.get $b) (i32x4.gt_s (local.get $b) (local.get $vMax))))
        (local.set $b
          (i32x4.max_s
            (local.get $b)
            (v128.and
              (i32x4.gt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000))))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (local.get $b)
            (v128.andnot
              (v128.xor (local.get $x) (local.get $a))
              (i32x4.gt_s (i32x4.add (local.get $b) (local.get $vZadd)) (local.get $vZt)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $i (i32x4.add (local.get $i) (v128.const i32x4 4 4 4 4)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          ;; The last window starts at element n - 4: its counters are n - 4 + k0 + lane.
          (local.set $i (i32x4.sub (local.get $i) (i32x4.splat (i32.shr_u (i32.sub (local.get $p) (i32.sub (local.get $total) (i32.const 16))) (i32.const 2)))))
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Stochastic, for the formats with a negative zero and 1 <= s0 <= 22 whose past-max value is
  ;; max (saturate, fp6, fp4): stochastic with its overflow, NaN and sign tests (12 of its ~36
  ;; operations per vector) replaced by five, as nearestEvenFloatClamped does for nearest-even:
  ;; - NaN is made one NaN first, 0x7fc00000: adding 0 quiets a signalling NaN (WebAssembly makes
  ;;   arithmetic NaN, quiet bit set; the add is exact for every other x), and min_u caps the
  ;;   quiet ones. Its low s0 bits are zero (s0 <= 22), so the add-and-truncate keeps it.
  ;; - |x| is then clamped to max: pmin(|x|, max) keeps NaN and maps everything past max, inf
  ;;   included, to max, whose low s0 bits are zero too, so it rounds to itself.
  ;; - Every lane takes x's sign bit: NaN's sign does not matter (DESIGN.md: any NaN matches), and
  ;;   a negative value that rounded to zero gives -0, which the format has.
  ;; - The addend needs no mask: with 1 <= s0, the shift 32 - s0 leaves fewer than s0 bits.
  ;; Below the smallest normal as stochastic. Parameters as stochastic's, less the ones it drops.
  ;;   limit  float32 bits of max
  (func (export "stochasticClamped")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $shift i32) (param $mask0 i32) (param $c i32) (param $spacing i32)
    (param $f1 i32) (param $f2 i32) (param $minNormal i32) (param $limit i32)
    (param $k0 i32) (param $k1 i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vMask0 v128) (local $vC v128) (local $vSpacing v128) (local $vF1 v128)
    (local $vF2 v128) (local $vMinNormal v128) (local $vLimit v128) (local $vK1 v128)
    (local $x v128) (local $a v128) (local $b v128) (local $r v128) (local $d v128) (local $sub v128)
    (local $i v128)
    (local.set $vMask0 (i32x4.splat (local.get $mask0)))
    (local.set $vC (i32x4.splat (local.get $c)))
    (local.set $vSpacing (i32x4.splat (local.get $spacing)))
    (local.set $vF1 (i32x4.splat (local.get $f1)))
    (local.set $vF2 (i32x4.splat (local.get $f2)))
    (local.set $vMinNormal (i32x4.splat (local.get $minNormal)))
    (local.set $vLimit (i32x4.splat (local.get $limit)))
    (local.set $vK1 (i32x4.splat (local.get $k1)))
    (local.set $i (i32x4.add (i32x4.splat (local.get $k0)) (v128.const i32x4 0 1 2 3)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $d (v128.xor (local.get $i) (local.get $vK1)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 16))))
        (local.set $d (i32x4.mul (local.get $d) (v128.const i32x4 0x21f0aaad 0x21f0aaad 0x21f0aaad 0x21f0aaad)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 15))))
        (local.set $d (i32x4.mul (local.get $d) (v128.const i32x4 0x735a2d97 0x735a2d97 0x735a2d97 0x735a2d97)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 15))))
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a
          (f32x4.pmin
            (i32x4.min_u
              (v128.and
                (f32x4.add (local.get $x) (v128.const i32x4 0 0 0 0))
                (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
              (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000))
            (local.get $vLimit)))
        (local.set $b
          (v128.andnot
            (i32x4.add (local.get $a) (i32x4.shr_u (v128.not (local.get $d)) (local.get $shift)))
            (local.get $vMask0)))
        (local.set $sub (i32x4.lt_s (local.get $a) (local.get $vMinNormal)))
        (if (v128.any_true (local.get $sub))
          (then
            (local.set $r (f32x4.sub (f32x4.add (local.get $a) (local.get $vC)) (local.get $vC)))
            (local.set $r
              (f32x4.sub (local.get $r) (v128.and (f32x4.gt (local.get $r) (local.get $a)) (local.get $vSpacing))))
            (local.set $r
              (f32x4.add
                (local.get $r)
                (v128.and
                  (i32x4.gt_s
                    (i32x4.trunc_sat_f32x4_s
                      (f32x4.ceil
                        (f32x4.mul
                          (f32x4.mul (f32x4.sub (local.get $a) (local.get $r)) (local.get $vF1))
                          (local.get $vF2))))
                    (i32x4.shr_u (local.get $d) (i32.const 1)))
                  (local.get $vSpacing))))
            (local.set $b (v128.bitselect (local.get $r) (local.get $b) (local.get $sub)))))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (local.get $b)
            (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $i (i32x4.add (local.get $i) (v128.const i32x4 4 4 4 4)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $i (i32x4.sub (local.get $i) (i32x4.splat (i32.shr_u (i32.sub (local.get $p) (i32.sub (local.get $total) (i32.const 16))) (i32.const 2)))))
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Stochastic, for the formats with a negative zero and 1 <= s0 <= 22 whose past-max value is
  ;; inf (ieee: float16, float8_e5m2, bfloat16, tf32) or NaN (fn unsaturated: float8_e4m3fn):
  ;; stochasticClamped with the clamp replaced by an overflow test after the rounding, as in
  ;; stochastic but in one max_u: a lane past max (inf and NaN included: the canonical NaN and inf
  ;; keep their patterns through the add-and-truncate) takes max_u(b, ovf), which is ovf, or NaN
  ;; where b is NaN (the largest pattern).
  ;;   maxBits  float32 bits of max
  ;;   ovf      inf or NaN
  (func (export "stochasticInfNaN")
    (param $src i32) (param $dst i32) (param $n i32)
    (param $shift i32) (param $mask0 i32) (param $c i32) (param $spacing i32)
    (param $f1 i32) (param $f2 i32) (param $minNormal i32) (param $maxBits i32) (param $ovf i32)
    (param $k0 i32) (param $k1 i32)
    (local $p i32) (local $end i32) (local $total i32)
    (local $vMask0 v128) (local $vC v128) (local $vSpacing v128) (local $vF1 v128)
    (local $vF2 v128) (local $vMinNormal v128) (local $vMax v128) (local $vOvf v128) (local $vK1 v128)
    (local $x v128) (local $a v128) (local $b v128) (local $r v128) (local $d v128) (local $sub v128)
    (local $i v128)
    (local.set $vMask0 (i32x4.splat (local.get $mask0)))
    (local.set $vC (i32x4.splat (local.get $c)))
    (local.set $vSpacing (i32x4.splat (local.get $spacing)))
    (local.set $vF1 (i32x4.splat (local.get $f1)))
    (local.set $vF2 (i32x4.splat (local.get $f2)))
    (local.set $vMinNormal (i32x4.splat (local.get $minNormal)))
    (local.set $vMax (i32x4.splat (local.get $maxBits)))
    (local.set $vOvf (i32x4.splat (local.get $ovf)))
    (local.set $vK1 (i32x4.splat (local.get $k1)))
    (local.set $i (i32x4.add (i32x4.splat (local.get $k0)) (v128.const i32x4 0 1 2 3)))
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (loop $window
      (loop $vector
        (local.set $d (v128.xor (local.get $i) (local.get $vK1)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 16))))
        (local.set $d (i32x4.mul (local.get $d) (v128.const i32x4 0x21f0aaad 0x21f0aaad 0x21f0aaad 0x21f0aaad)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 15))))
        (local.set $d (i32x4.mul (local.get $d) (v128.const i32x4 0x735a2d97 0x735a2d97 0x735a2d97 0x735a2d97)))
        (local.set $d (v128.xor (local.get $d) (i32x4.shr_u (local.get $d) (i32.const 15))))
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $p))))
        (local.set $a
          (i32x4.min_u
            (v128.and
              (f32x4.add (local.get $x) (v128.const i32x4 0 0 0 0))
              (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
            (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000)))
        (local.set $b
          (v128.andnot
            (i32x4.add (local.get $a) (i32x4.shr_u (v128.not (local.get $d)) (local.get $shift)))
            (local.get $vMask0)))
        (local.set $b
          (i32x4.max_u (local.get $b) (v128.and (i32x4.gt_s (local.get $b) (local.get $vMax)) (local.get $vOvf))))
        (local.set $sub (i32x4.lt_s (local.get $a) (local.get $vMinNormal)))
        (if (v128.any_true (local.get $sub))
          (then
            (local.set $r (f32x4.sub (f32x4.add (local.get $a) (local.get $vC)) (local.get $vC)))
            (local.set $r
              (f32x4.sub (local.get $r) (v128.and (f32x4.gt (local.get $r) (local.get $a)) (local.get $vSpacing))))
            (local.set $r
              (f32x4.add
                (local.get $r)
                (v128.and
                  (i32x4.gt_s
                    (i32x4.trunc_sat_f32x4_s
                      (f32x4.ceil
                        (f32x4.mul
                          (f32x4.mul (f32x4.sub (local.get $a) (local.get $r)) (local.get $vF1))
                          (local.get $vF2))))
                    (i32x4.shr_u (local.get $d) (i32.const 1)))
                  (local.get $vSpacing))))
            (local.set $b (v128.bitselect (local.get $r) (local.get $b) (local.get $sub)))))
        (v128.store
          (i32.add (local.get $dst) (local.get $p))
          (v128.or
            (local.get $b)
            (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $i (i32x4.add (local.get $i) (v128.const i32x4 4 4 4 4)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end))))
      (if (i32.lt_u (local.get $p) (local.get $total))
        (then
          (local.set $i (i32x4.sub (local.get $i) (i32x4.splat (i32.shr_u (i32.sub (local.get $p) (i32.sub (local.get $total) (i32.const 16))) (i32.const 2)))))
          (local.set $p (i32.sub (local.get $total) (i32.const 16)))
          (local.set $end (local.get $total))
          (br $window)))))
)
