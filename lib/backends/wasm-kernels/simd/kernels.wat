;; tsamp's WebAssembly SIMD kernels for tfjs-backend-wasm's training path (LeNet-class convnets):
;; Conv2D and its two gradients, MaxPoolGrad, a bias add and bias-gradient sum that do not go
;; through the package's generic broadcasting loops, and a matrix product that reads its operands
;; as they are (XNNPACK packs B anew for every new tensor). build.mjs (beside this file) compiles it with
;; wabt into ../simd-binary.ts, twice, with the MEMORY line replaced by an import of the backend's
;; own memory (plain, or shared for its threaded build): every function reads and writes tensors
;; where the backend keeps them, at byte offsets that ../simd.ts takes from its dataIdMap.
;;
;; All tensors are float32 NHWC / HWIO, addressed by byte offsets; sizes are element counts. The
;; caller (../simd.ts) checks shapes and allocates outputs and scratch; these functions only loop.
;;
;; The convolution gradients use one layout fact: with a width dilation of 1, the input patch that
;; one output pixel (n, oh, ow) reads on filter row kh is one contiguous run of J = KW * Ci floats,
;;   x[n, oh*sh + kh*dh, ow*sw + kw, ci] for kw < KW, ci < Ci, starting at x[n, oh*sh + kh*dh, ow*sw, 0]
;; in x padded by the forward padding (the caller pads, or crops, so that every patch is inside).
;; So the forward and both gradients are small matrix products over runs of x, with no im2col
;; buffer: SIMD goes along the run, in vectors of 4 floats (the forward) or blocks of 16 (the
;; gradients). A run's last vector or block may reach up to 15 floats past the run: those lanes
;; read neighbouring data (the caller keeps 64 bytes of memory after every buffer read this way),
;; and are masked (the forward's x, the input gradient's stores) or computed and dropped (the
;; filter gradient's lanes j >= J, when it is reordered).
;; Sums run in float32 in a fixed order, so results are deterministic; the order differs from
;; tfjs-backend-cpu's (which sums in float64), hence rounding-level differences only.

(module
  MEMORY

  ;; --------------------------------------------------------------------------------------------
  ;; Zeroing and 2-d copies (padding and cropping images).

  ;; dst[n][r] = src[n][r] (rowBytes bytes) for n < N, r < R: images and rows at the given strides
  ;; (bytes). Pads when dst is the larger (zero it first), crops when src is.
  (func (export "copyRows")
    (param $src i32) (param $dst i32) (param $N i32) (param $R i32) (param $rowBytes i32)
    (param $srcImage i32) (param $srcRow i32) (param $dstImage i32) (param $dstRow i32)
    (local $n i32) (local $r i32) (local $s i32) (local $d i32)
    (if (i32.or (i32.eqz (local.get $N)) (i32.or (i32.eqz (local.get $R)) (i32.eqz (local.get $rowBytes))))
      (then (return)))
    (loop $image
      (local.set $s (i32.add (local.get $src) (i32.mul (local.get $n) (local.get $srcImage))))
      (local.set $d (i32.add (local.get $dst) (i32.mul (local.get $n) (local.get $dstImage))))
      (local.set $r (local.get $R))
      (loop $row
        (memory.copy (local.get $d) (local.get $s) (local.get $rowBytes))
        (local.set $s (i32.add (local.get $s) (local.get $srcRow)))
        (local.set $d (i32.add (local.get $d) (local.get $dstRow)))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br_if $row (local.get $r)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $image (i32.lt_u (local.get $n) (local.get $N)))))

  (func (export "zero") (param $dst i32) (param $bytes i32)
    (memory.fill (local.get $dst) (i32.const 0) (local.get $bytes)))

  ;; --------------------------------------------------------------------------------------------
  ;; Conv2DBackpropFilter:
  ;;   dw[kh, kw, ci, co] = sum over n, oh, ow of xp[n, oh*sh + kh*dh, ow*sw + kw, ci] * dy[n, oh, ow, co]
  ;; xp: [N, Hp, Wp, Ci], padded so that every patch is inside. dy: [N, OH, OW, Co]. dw: [KH, KW, Ci, Co].
  ;; acc: scratch of KH * Co * jblocks * 16 floats, acc[kh][co][j] with j = kw * Ci + ci, that is,
  ;; one filter row's run against one output channel; reordered into dw at the end.
  ;; The register tile: one block of 16 j (four vectors) by two output channels, eight
  ;; accumulators, over all pixels of one image; then added into acc (so each sum is per image,
  ;; then over images: shorter float32 chains than one sum over everything). An odd last channel
  ;; takes a tile of one. N, OH, OW, Co, KH >= 1.
  (func (export "convFilterGrad")
    (param $xp i32) (param $dy i32) (param $acc i32) (param $dw i32)
    (param $N i32) (param $Hp i32) (param $Wp i32) (param $Ci i32)
    (param $OH i32) (param $OW i32) (param $Co i32)
    (param $KH i32) (param $KW i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $jblocks i32)
    (local $n i32) (local $kh i32) (local $jb i32) (local $co i32) (local $oh i32) (local $ow i32)
    (local $xn i32) (local $dyn i32) (local $xj i32) (local $xr i32) (local $dr i32) (local $xq i32) (local $dq i32)
    (local $pixX i32) (local $pixD i32) (local $rowX i32) (local $rowD i32) (local $p i32) (local $jpadBytes i32)
    (local $kw i32) (local $ci i32) (local $jpad i32) (local $o i32)
    (local $d0 v128) (local $d1 v128) (local $x v128)
    (local $a00 v128) (local $a01 v128) (local $a02 v128) (local $a03 v128)
    (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128)
    (local.set $jpad (i32.shl (local.get $jblocks) (i32.const 4)))
    (local.set $jpadBytes (i32.shl (local.get $jpad) (i32.const 2)))
    (memory.fill (local.get $acc) (i32.const 0)
      (i32.mul (i32.mul (local.get $KH) (local.get $Co)) (local.get $jpadBytes)))
    (local.set $pixX (i32.shl (i32.mul (local.get $sw) (local.get $Ci)) (i32.const 2)))
    (local.set $pixD (i32.shl (local.get $Co) (i32.const 2)))
    (local.set $rowX (i32.shl (i32.mul (i32.mul (local.get $sh) (local.get $Wp)) (local.get $Ci)) (i32.const 2)))
    (local.set $rowD (i32.mul (local.get $OW) (local.get $pixD)))
    (loop $image
      (local.set $xn (i32.add (local.get $xp)
        (i32.shl (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $Hp)) (local.get $Wp)) (local.get $Ci)) (i32.const 2))))
      (local.set $dyn (i32.add (local.get $dy) (i32.mul (i32.mul (local.get $n) (local.get $OH)) (local.get $rowD))))
      (local.set $kh (i32.const 0))
      (loop $filterRow
        (local.set $jb (i32.const 0))
        (loop $jblock
          ;; xp at (n, kh*dh, 0, 0), block jb of the run
          (local.set $xj (i32.add
            (i32.add (local.get $xn)
              (i32.shl (i32.mul (i32.mul (i32.mul (local.get $kh) (local.get $dh)) (local.get $Wp)) (local.get $Ci)) (i32.const 2)))
            (i32.shl (local.get $jb) (i32.const 6))))
          (local.set $co (i32.const 0))
          (block $pairsDone
            (loop $pair
              (br_if $pairsDone (i32.gt_u (i32.add (local.get $co) (i32.const 2)) (local.get $Co)))
              (local.set $a00 (v128.const i64x2 0 0)) (local.set $a01 (v128.const i64x2 0 0))
              (local.set $a02 (v128.const i64x2 0 0)) (local.set $a03 (v128.const i64x2 0 0))
              (local.set $a10 (v128.const i64x2 0 0)) (local.set $a11 (v128.const i64x2 0 0))
              (local.set $a12 (v128.const i64x2 0 0)) (local.set $a13 (v128.const i64x2 0 0))
              (local.set $xr (local.get $xj))
              (local.set $dr (i32.add (local.get $dyn) (i32.shl (local.get $co) (i32.const 2))))
              (local.set $oh (local.get $OH))
              (loop $outRow
                (local.set $xq (local.get $xr))
                (local.set $dq (local.get $dr))
                (local.set $ow (local.get $OW))
                (loop $outPixel
                  (local.set $d0 (v128.load32_splat (local.get $dq)))
                  (local.set $d1 (v128.load32_splat offset=4 (local.get $dq)))
                  (local.set $x (v128.load (local.get $xq)))
                  (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $x) (local.get $d0))))
                  (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $x) (local.get $d1))))
                  (local.set $x (v128.load offset=16 (local.get $xq)))
                  (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $x) (local.get $d0))))
                  (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $x) (local.get $d1))))
                  (local.set $x (v128.load offset=32 (local.get $xq)))
                  (local.set $a02 (f32x4.add (local.get $a02) (f32x4.mul (local.get $x) (local.get $d0))))
                  (local.set $a12 (f32x4.add (local.get $a12) (f32x4.mul (local.get $x) (local.get $d1))))
                  (local.set $x (v128.load offset=48 (local.get $xq)))
                  (local.set $a03 (f32x4.add (local.get $a03) (f32x4.mul (local.get $x) (local.get $d0))))
                  (local.set $a13 (f32x4.add (local.get $a13) (f32x4.mul (local.get $x) (local.get $d1))))
                  (local.set $xq (i32.add (local.get $xq) (local.get $pixX)))
                  (local.set $dq (i32.add (local.get $dq) (local.get $pixD)))
                  (local.set $ow (i32.sub (local.get $ow) (i32.const 1)))
                  (br_if $outPixel (local.get $ow)))
                (local.set $xr (i32.add (local.get $xr) (local.get $rowX)))
                (local.set $dr (i32.add (local.get $dr) (local.get $rowD)))
                (local.set $oh (i32.sub (local.get $oh) (i32.const 1)))
                (br_if $outRow (local.get $oh)))
              ;; acc[kh][co][jb*16 ...] and acc[kh][co+1][...]
              (local.set $p (i32.add (local.get $acc)
                (i32.add
                  (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $Co)) (local.get $co)) (local.get $jpadBytes))
                  (i32.shl (local.get $jb) (i32.const 6)))))
              (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $a00)))
              (v128.store offset=16 (local.get $p) (f32x4.add (v128.load offset=16 (local.get $p)) (local.get $a01)))
              (v128.store offset=32 (local.get $p) (f32x4.add (v128.load offset=32 (local.get $p)) (local.get $a02)))
              (v128.store offset=48 (local.get $p) (f32x4.add (v128.load offset=48 (local.get $p)) (local.get $a03)))
              (local.set $p (i32.add (local.get $p) (local.get $jpadBytes)))
              (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $a10)))
              (v128.store offset=16 (local.get $p) (f32x4.add (v128.load offset=16 (local.get $p)) (local.get $a11)))
              (v128.store offset=32 (local.get $p) (f32x4.add (v128.load offset=32 (local.get $p)) (local.get $a12)))
              (v128.store offset=48 (local.get $p) (f32x4.add (v128.load offset=48 (local.get $p)) (local.get $a13)))
              (local.set $co (i32.add (local.get $co) (i32.const 2)))
              (br $pair)))
          ;; an odd last output channel
          (if (i32.lt_u (local.get $co) (local.get $Co))
            (then
              (local.set $a00 (v128.const i64x2 0 0)) (local.set $a01 (v128.const i64x2 0 0))
              (local.set $a02 (v128.const i64x2 0 0)) (local.set $a03 (v128.const i64x2 0 0))
              (local.set $xr (local.get $xj))
              (local.set $dr (i32.add (local.get $dyn) (i32.shl (local.get $co) (i32.const 2))))
              (local.set $oh (local.get $OH))
              (loop $outRow1
                (local.set $xq (local.get $xr))
                (local.set $dq (local.get $dr))
                (local.set $ow (local.get $OW))
                (loop $outPixel1
                  (local.set $d0 (v128.load32_splat (local.get $dq)))
                  (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (v128.load (local.get $xq)) (local.get $d0))))
                  (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (v128.load offset=16 (local.get $xq)) (local.get $d0))))
                  (local.set $a02 (f32x4.add (local.get $a02) (f32x4.mul (v128.load offset=32 (local.get $xq)) (local.get $d0))))
                  (local.set $a03 (f32x4.add (local.get $a03) (f32x4.mul (v128.load offset=48 (local.get $xq)) (local.get $d0))))
                  (local.set $xq (i32.add (local.get $xq) (local.get $pixX)))
                  (local.set $dq (i32.add (local.get $dq) (local.get $pixD)))
                  (local.set $ow (i32.sub (local.get $ow) (i32.const 1)))
                  (br_if $outPixel1 (local.get $ow)))
                (local.set $xr (i32.add (local.get $xr) (local.get $rowX)))
                (local.set $dr (i32.add (local.get $dr) (local.get $rowD)))
                (local.set $oh (i32.sub (local.get $oh) (i32.const 1)))
                (br_if $outRow1 (local.get $oh)))
              (local.set $p (i32.add (local.get $acc)
                (i32.add
                  (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $Co)) (local.get $co)) (local.get $jpadBytes))
                  (i32.shl (local.get $jb) (i32.const 6)))))
              (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $a00)))
              (v128.store offset=16 (local.get $p) (f32x4.add (v128.load offset=16 (local.get $p)) (local.get $a01)))
              (v128.store offset=32 (local.get $p) (f32x4.add (v128.load offset=32 (local.get $p)) (local.get $a02)))
              (v128.store offset=48 (local.get $p) (f32x4.add (v128.load offset=48 (local.get $p)) (local.get $a03)))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
          (br_if $jblock (i32.lt_u (local.get $jb) (local.get $jblocks))))
        (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
        (br_if $filterRow (i32.lt_u (local.get $kh) (local.get $KH))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $image (i32.lt_u (local.get $n) (local.get $N))))
    ;; dw[kh, kw, ci, co] = acc[kh][co][kw*Ci + ci]
    (local.set $o (local.get $dw))
    (local.set $kh (i32.const 0))
    (loop $reKh
      (local.set $kw (i32.const 0))
      (loop $reKw
        (local.set $ci (i32.const 0))
        (loop $reCi
          (local.set $p (i32.add (local.get $acc)
            (i32.shl
              (i32.add
                (i32.mul (i32.mul (local.get $kh) (local.get $Co)) (local.get $jpad))
                (i32.add (i32.mul (local.get $kw) (local.get $Ci)) (local.get $ci)))
              (i32.const 2))))
          (local.set $co (local.get $Co))
          (loop $reCo
            (f32.store (local.get $o) (f32.load (local.get $p)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $p (i32.add (local.get $p) (local.get $jpadBytes)))
            (local.set $co (i32.sub (local.get $co) (i32.const 1)))
            (br_if $reCo (local.get $co)))
          (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
          (br_if $reCi (i32.lt_u (local.get $ci) (local.get $Ci))))
        (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
        (br_if $reKw (i32.lt_u (local.get $kw) (local.get $KW))))
      (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
      (br_if $reKh (i32.lt_u (local.get $kh) (local.get $KH)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Conv2DBackpropInput, as the scatter of each output pixel's gradient over its patch:
  ;;   dxp[n, oh*sh + kh*dh, ow*sw + kw, ci] += sum over co of dy[n, oh, ow, co] * f[kh, kw, ci, co]
  ;; dxp: [N, Hp, Wp, Ci] (the padded input's gradient; the caller crops it), zeroed here. f:
  ;; [KH, KW, Ci, Co]. ft: scratch of KH * Co * jblocks * 16 floats, ft[kh][co][kw*Ci + ci] =
  ;; f[kh, kw, ci, co] and zero for j >= J. For each pixel and filter row, the run's block of 16 j
  ;; is summed over co in registers, then added to dxp; lanes j >= J (jtail = J - 16 * (jblocks - 1)
  ;; lanes are real in the last block) are written back unchanged. Pixels go in order, so runs
  ;; that overlap (stride < KW) add up in that order.
  (func (export "convInputGrad")
    (param $dxp i32) (param $dy i32) (param $ft i32) (param $f i32)
    (param $N i32) (param $Hp i32) (param $Wp i32) (param $Ci i32)
    (param $OH i32) (param $OW i32) (param $Co i32)
    (param $KH i32) (param $KW i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $jblocks i32)
    (local $n i32) (local $oh i32) (local $ow i32) (local $kh i32) (local $kw i32) (local $ci i32) (local $co i32) (local $jb i32)
    (local $jpad i32) (local $jpadBytes i32) (local $fRow i32) (local $dq i32) (local $xpix i32) (local $xk i32) (local $xq i32)
    (local $fq i32) (local $fk i32) (local $p i32) (local $o i32) (local $dc i32) (local $kRow i32) (local $jtail v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $d v128) (local $e v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $old v128)
    (local.set $jpad (i32.shl (local.get $jblocks) (i32.const 4)))
    (local.set $jpadBytes (i32.shl (local.get $jpad) (i32.const 2)))
    ;; ft
    (memory.fill (local.get $ft) (i32.const 0)
      (i32.mul (i32.mul (local.get $KH) (local.get $Co)) (local.get $jpadBytes)))
    (local.set $p (local.get $f))
    (local.set $kh (i32.const 0))
    (loop $fKh
      (local.set $kw (i32.const 0))
      (loop $fKw
        (local.set $ci (i32.const 0))
        (loop $fCi
          (local.set $o (i32.add (local.get $ft)
            (i32.shl
              (i32.add
                (i32.mul (i32.mul (local.get $kh) (local.get $Co)) (local.get $jpad))
                (i32.add (i32.mul (local.get $kw) (local.get $Ci)) (local.get $ci)))
              (i32.const 2))))
          (local.set $co (local.get $Co))
          (loop $fCo
            (f32.store (local.get $o) (f32.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $o (i32.add (local.get $o) (local.get $jpadBytes)))
            (local.set $co (i32.sub (local.get $co) (i32.const 1)))
            (br_if $fCo (local.get $co)))
          (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
          (br_if $fCi (i32.lt_u (local.get $ci) (local.get $Ci))))
        (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
        (br_if $fKw (i32.lt_u (local.get $kw) (local.get $KW))))
      (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
      (br_if $fKh (i32.lt_u (local.get $kh) (local.get $KH))))
    (memory.fill (local.get $dxp) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (i32.mul (local.get $N) (local.get $Hp)) (local.get $Wp)) (local.get $Ci)) (i32.const 2)))
    ;; lane masks of the last block: lane j (0..15) is real when j < jtail
    (local.set $jtail (i32x4.splat
      (i32.sub (i32.mul (local.get $KW) (local.get $Ci)) (i32.shl (i32.sub (local.get $jblocks) (i32.const 1)) (i32.const 4)))))
    (local.set $m0 (i32x4.gt_s (local.get $jtail) (v128.const i32x4 0 1 2 3)))
    (local.set $m1 (i32x4.gt_s (local.get $jtail) (v128.const i32x4 4 5 6 7)))
    (local.set $m2 (i32x4.gt_s (local.get $jtail) (v128.const i32x4 8 9 10 11)))
    (local.set $m3 (i32x4.gt_s (local.get $jtail) (v128.const i32x4 12 13 14 15)))
    (local.set $kRow (i32.shl (i32.mul (i32.mul (local.get $dh) (local.get $Wp)) (local.get $Ci)) (i32.const 2)))
    (local.set $fRow (i32.mul (local.get $Co) (local.get $jpadBytes)))
    (local.set $dq (local.get $dy))
    (loop $image
      (local.set $oh (i32.const 0))
      (loop $outRow
        (local.set $ow (i32.const 0))
        (loop $outPixel
          (local.set $xpix (i32.add (local.get $dxp)
            (i32.shl
              (i32.mul
                (i32.add
                  (i32.mul (i32.add (i32.mul (local.get $n) (local.get $Hp)) (i32.mul (local.get $oh) (local.get $sh))) (local.get $Wp))
                  (i32.mul (local.get $ow) (local.get $sw)))
                (local.get $Ci))
              (i32.const 2))))
          (local.set $kh (i32.const 0))
          (loop $filterRow
            (local.set $xk (i32.add (local.get $xpix) (i32.mul (local.get $kh) (local.get $kRow))))
            (local.set $fk (i32.add (local.get $ft) (i32.mul (local.get $kh) (local.get $fRow))))
            (local.set $jb (i32.const 0))
            (loop $jblock
              (local.set $xq (i32.add (local.get $xk) (i32.shl (local.get $jb) (i32.const 6))))
              (local.set $fq (i32.add (local.get $fk) (i32.shl (local.get $jb) (i32.const 6))))
              (local.set $s0 (v128.const i64x2 0 0)) (local.set $s1 (v128.const i64x2 0 0))
              (local.set $s2 (v128.const i64x2 0 0)) (local.set $s3 (v128.const i64x2 0 0))
              (local.set $dc (local.get $dq))
              (local.set $co (local.get $Co))
              ;; two output channels at a time, then an odd last one
              (block $pairsDone
                (loop $pair
                  (br_if $pairsDone (i32.lt_u (local.get $co) (i32.const 2)))
                  (local.set $d (v128.load32_splat (local.get $dc)))
                  (local.set $e (v128.load32_splat offset=4 (local.get $dc)))
                  (local.set $p (i32.add (local.get $fq) (local.get $jpadBytes)))
                  (local.set $s0 (f32x4.add (f32x4.add (local.get $s0) (f32x4.mul (v128.load (local.get $fq)) (local.get $d)))
                    (f32x4.mul (v128.load (local.get $p)) (local.get $e))))
                  (local.set $s1 (f32x4.add (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (local.get $fq)) (local.get $d)))
                    (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $e))))
                  (local.set $s2 (f32x4.add (f32x4.add (local.get $s2) (f32x4.mul (v128.load offset=32 (local.get $fq)) (local.get $d)))
                    (f32x4.mul (v128.load offset=32 (local.get $p)) (local.get $e))))
                  (local.set $s3 (f32x4.add (f32x4.add (local.get $s3) (f32x4.mul (v128.load offset=48 (local.get $fq)) (local.get $d)))
                    (f32x4.mul (v128.load offset=48 (local.get $p)) (local.get $e))))
                  (local.set $fq (i32.add (local.get $p) (local.get $jpadBytes)))
                  (local.set $dc (i32.add (local.get $dc) (i32.const 8)))
                  (local.set $co (i32.sub (local.get $co) (i32.const 2)))
                  (br $pair)))
              (if (local.get $co)
                (then
                  (local.set $d (v128.load32_splat (local.get $dc)))
                  (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (local.get $fq)) (local.get $d))))
                  (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (local.get $fq)) (local.get $d))))
                  (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (v128.load offset=32 (local.get $fq)) (local.get $d))))
                  (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (v128.load offset=48 (local.get $fq)) (local.get $d))))))
              ;; masks: the last block's, or all lanes
              (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
              (if (i32.lt_u (local.get $jb) (local.get $jblocks))
                (then
                  (v128.store (local.get $xq) (f32x4.add (v128.load (local.get $xq)) (local.get $s0)))
                  (v128.store offset=16 (local.get $xq) (f32x4.add (v128.load offset=16 (local.get $xq)) (local.get $s1)))
                  (v128.store offset=32 (local.get $xq) (f32x4.add (v128.load offset=32 (local.get $xq)) (local.get $s2)))
                  (v128.store offset=48 (local.get $xq) (f32x4.add (v128.load offset=48 (local.get $xq)) (local.get $s3)))
                  (br $jblock)))
              (local.set $old (v128.load (local.get $xq)))
              (v128.store (local.get $xq)
                (v128.bitselect (f32x4.add (local.get $old) (local.get $s0)) (local.get $old) (local.get $m0)))
              (local.set $old (v128.load offset=16 (local.get $xq)))
              (v128.store offset=16 (local.get $xq)
                (v128.bitselect (f32x4.add (local.get $old) (local.get $s1)) (local.get $old) (local.get $m1)))
              (local.set $old (v128.load offset=32 (local.get $xq)))
              (v128.store offset=32 (local.get $xq)
                (v128.bitselect (f32x4.add (local.get $old) (local.get $s2)) (local.get $old) (local.get $m2)))
              (local.set $old (v128.load offset=48 (local.get $xq)))
              (v128.store offset=48 (local.get $xq)
                (v128.bitselect (f32x4.add (local.get $old) (local.get $s3)) (local.get $old) (local.get $m3))))
            (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
            (br_if $filterRow (i32.lt_u (local.get $kh) (local.get $KH))))
          (local.set $dq (i32.add (local.get $dq) (i32.shl (local.get $Co) (i32.const 2))))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br_if $outPixel (i32.lt_u (local.get $ow) (local.get $OW))))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br_if $outRow (i32.lt_u (local.get $oh) (local.get $OH))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $image (i32.lt_u (local.get $n) (local.get $N)))))

  ;; --------------------------------------------------------------------------------------------
  ;; MaxPoolGrad: each dy goes to the first maximum of its window (strictly greater wins, so ties
  ;; go to the first, and NaN never wins; a window with no value above -Infinity gets none), as in
  ;; tfjs-backend-cpu. Windows in order (n, oy, ox), so where windows overlap the sums add in that
  ;; order. Four channels at a time: lane-wise compare and select of the maximum and its index
  ;; (the last four overlap the previous ones when C is not a multiple of 4); with C < 4, one
  ;; channel at a time. Where windows do not overlap (strides >= window), a second pass over the
  ;; window adds dy where each lane's maximum is, all four lanes at once; otherwise each lane's
  ;; dy is added at its maximum's index one by one. dx is zeroed here.
  (func (export "maxPoolGrad")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $N i32) (param $H i32) (param $W i32) (param $C i32) (param $OH i32) (param $OW i32)
    (param $sh i32) (param $sw i32) (param $fh i32) (param $fw i32) (param $top i32) (param $left i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $y0 i32) (local $y1 i32) (local $x0 i32) (local $x1 i32)
    (local $c i32) (local $y i32) (local $xx i32) (local $i i32) (local $g i32) (local $a i32) (local $t i32)
    (local $c0 i32) (local $disjoint i32) (local $gv v128) (local $best v128) (local $at v128) (local $v v128) (local $m v128) (local $idx v128)
    (local $bs f32) (local $as i32) (local $vs f32)
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (i32.mul (local.get $N) (local.get $H)) (local.get $W)) (local.get $C)) (i32.const 2)))
    (local.set $disjoint (i32.and (i32.ge_s (local.get $sh) (local.get $fh)) (i32.ge_s (local.get $sw) (local.get $fw))))
    (local.set $g (i32.const 0))
    (loop $image
      (local.set $oy (i32.const 0))
      (loop $outRow
        (local.set $y0 (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)))
        (local.set $y1 (i32.add (local.get $y0) (local.get $fh)))
        (if (i32.lt_s (local.get $y0) (i32.const 0)) (then (local.set $y0 (i32.const 0))))
        (if (i32.gt_s (local.get $y1) (local.get $H)) (then (local.set $y1 (local.get $H))))
        (local.set $ox (i32.const 0))
        (loop $outPixel
          (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
          (local.set $x1 (i32.add (local.get $x0) (local.get $fw)))
          (if (i32.lt_s (local.get $x0) (i32.const 0)) (then (local.set $x0 (i32.const 0))))
          (if (i32.gt_s (local.get $x1) (local.get $W)) (then (local.set $x1 (local.get $W))))
          (if (i32.and (i32.lt_s (local.get $y0) (local.get $y1)) (i32.lt_s (local.get $x0) (local.get $x1)))
            (then
              (local.set $c (i32.const 0))
              ;; c0: the first channel not yet done. A last partial vector (C mod 4 > 0, C >= 4) is
              ;; the overlapping window [C - 4, C), whose lanes below c0 are skipped.
              (local.set $c0 (i32.const 0))
              (block $vectorsDone
                (loop $vector
                  (br_if $vectorsDone (i32.ge_s (local.get $c0) (local.get $C)))
                  (local.set $c (local.get $c0))
                  (if (i32.gt_s (i32.add (local.get $c) (i32.const 4)) (local.get $C))
                    (then
                      (br_if $vectorsDone (i32.lt_s (local.get $C) (i32.const 4)))
                      (local.set $c (i32.sub (local.get $C) (i32.const 4)))))
                  (local.set $best (v128.const f32x4 -inf -inf -inf -inf))
                  (local.set $at (v128.const i32x4 -1 -1 -1 -1))
                  (local.set $y (local.get $y0))
                  (loop $wy
                    (local.set $i (i32.add
                      (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $y)) (local.get $W)) (local.get $x0)) (local.get $C))
                      (local.get $c)))
                    (local.set $xx (local.get $x0))
                    (loop $wx
                      (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
                      (local.set $m (f32x4.gt (local.get $v) (local.get $best)))
                      (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
                      (local.set $at (v128.bitselect
                        (i32x4.add (i32x4.splat (local.get $i)) (v128.const i32x4 0 1 2 3))
                        (local.get $at) (local.get $m)))
                      (local.set $i (i32.add (local.get $i) (local.get $C)))
                      (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                      (br_if $wx (i32.lt_s (local.get $xx) (local.get $x1))))
                    (local.set $y (i32.add (local.get $y) (i32.const 1)))
                    (br_if $wy (i32.lt_s (local.get $y) (local.get $y1))))
                  ;; lanes whose channel is below c0 were done by the previous vector: index -1
                  (local.set $at (v128.or (local.get $at)
                    (i32x4.gt_s (i32x4.splat (i32.sub (local.get $c0) (local.get $c))) (v128.const i32x4 0 1 2 3))))
                  (local.set $t (i32.add (local.get $dy) (i32.shl (i32.add (local.get $g) (local.get $c)) (i32.const 2))))
                  (if (local.get $disjoint)
                    (then
                      ;; each element is in at most this window: one more pass over it, adding dy
                      ;; where the lane's index is the maximum's
                      (local.set $gv (v128.load (local.get $t)))
                      (local.set $y (local.get $y0))
                      (loop $gy
                        (local.set $i (i32.add
                          (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $y)) (local.get $W)) (local.get $x0)) (local.get $C))
                          (local.get $c)))
                        (local.set $xx (local.get $x0))
                        (loop $gx
                          (local.set $a (i32.add (local.get $dx) (i32.shl (local.get $i) (i32.const 2))))
                          (local.set $v (v128.load (local.get $a)))
                          (v128.store (local.get $a)
                            (v128.bitselect (f32x4.add (local.get $v) (local.get $gv)) (local.get $v)
                              (i32x4.eq (local.get $at) (i32x4.add (i32x4.splat (local.get $i)) (v128.const i32x4 0 1 2 3)))))
                          (local.set $i (i32.add (local.get $i) (local.get $C)))
                          (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                          (br_if $gx (i32.lt_s (local.get $xx) (local.get $x1))))
                        (local.set $y (i32.add (local.get $y) (i32.const 1)))
                        (br_if $gy (i32.lt_s (local.get $y) (local.get $y1)))))
                    (else
                      (local.set $t (i32.add (local.get $dy) (i32.shl (i32.add (local.get $g) (local.get $c)) (i32.const 2))))
                      (local.set $a (i32x4.extract_lane 0 (local.get $at)))
                      (if (i32.ge_s (local.get $a) (i32.const 0))
                        (then
                          (local.set $a (i32.add (local.get $dx) (i32.shl (local.get $a) (i32.const 2))))
                          (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (f32.load (local.get $t))))))
                      (local.set $a (i32x4.extract_lane 1 (local.get $at)))
                      (if (i32.ge_s (local.get $a) (i32.const 0))
                        (then
                          (local.set $a (i32.add (local.get $dx) (i32.shl (local.get $a) (i32.const 2))))
                          (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (f32.load offset=4 (local.get $t))))))
                      (local.set $a (i32x4.extract_lane 2 (local.get $at)))
                      (if (i32.ge_s (local.get $a) (i32.const 0))
                        (then
                          (local.set $a (i32.add (local.get $dx) (i32.shl (local.get $a) (i32.const 2))))
                          (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (f32.load offset=8 (local.get $t))))))
                      (local.set $a (i32x4.extract_lane 3 (local.get $at)))
                      (if (i32.ge_s (local.get $a) (i32.const 0))
                        (then
                          (local.set $a (i32.add (local.get $dx) (i32.shl (local.get $a) (i32.const 2))))
                          (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (f32.load offset=12 (local.get $t))))))))
                  (local.set $c0 (i32.add (local.get $c) (i32.const 4)))
                  (br $vector)))
              (local.set $c (local.get $c0))
              ;; leftover channels
              (block $scalarsDone
                (loop $scalar
                  (br_if $scalarsDone (i32.ge_s (local.get $c) (local.get $C)))
                  (local.set $bs (f32.const -inf))
                  (local.set $as (i32.const -1))
                  (local.set $y (local.get $y0))
                  (loop $sy
                    (local.set $i (i32.add
                      (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $y)) (local.get $W)) (local.get $x0)) (local.get $C))
                      (local.get $c)))
                    (local.set $xx (local.get $x0))
                    (loop $sx
                      (local.set $vs (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
                      (if (f32.gt (local.get $vs) (local.get $bs))
                        (then
                          (local.set $bs (local.get $vs))
                          (local.set $as (local.get $i))))
                      (local.set $i (i32.add (local.get $i) (local.get $C)))
                      (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                      (br_if $sx (i32.lt_s (local.get $xx) (local.get $x1))))
                    (local.set $y (i32.add (local.get $y) (i32.const 1)))
                    (br_if $sy (i32.lt_s (local.get $y) (local.get $y1))))
                  (if (i32.ge_s (local.get $as) (i32.const 0))
                    (then
                      (local.set $a (i32.add (local.get $dx) (i32.shl (local.get $as) (i32.const 2))))
                      (f32.store (local.get $a)
                        (f32.add (f32.load (local.get $a))
                          (f32.load (i32.add (local.get $dy) (i32.shl (i32.add (local.get $g) (local.get $c)) (i32.const 2))))))))
                  (local.set $c (i32.add (local.get $c) (i32.const 1)))
                  (br $scalar)))))
          (local.set $g (i32.add (local.get $g) (local.get $C)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br_if $outPixel (i32.lt_s (local.get $ox) (local.get $OW))))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br_if $outRow (i32.lt_s (local.get $oy) (local.get $OH))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $image (i32.lt_s (local.get $n) (local.get $N)))))

  ;; --------------------------------------------------------------------------------------------
  ;; The bias add: out[i] = a[i] + pat[i mod L] for i < n, where pat repeats the bias to a length L
  ;; that is a multiple of 4 and of the bias's length (the caller fills it). Four at a time, the
  ;; last n mod 4 one at a time.
  (func (export "addPeriodic")
    (param $a i32) (param $pat i32) (param $out i32) (param $n i32) (param $L i32)
    (local $p i32) (local $end i32) (local $q i32) (local $lBytes i32) (local $total i32)
    (local.set $total (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (local.set $lBytes (i32.shl (local.get $L) (i32.const 2)))
    (block $vectorsDone
      (br_if $vectorsDone (i32.eqz (local.get $end)))
      (loop $vector
        (v128.store (i32.add (local.get $out) (local.get $p))
          (f32x4.add (v128.load (i32.add (local.get $a) (local.get $p))) (v128.load (i32.add (local.get $pat) (local.get $q)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (if (i32.eq (local.get $q) (local.get $lBytes)) (then (local.set $q (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $p) (local.get $end)))))
    (block $scalarsDone
      (loop $scalar
        (br_if $scalarsDone (i32.ge_u (local.get $p) (local.get $total)))
        (f32.store (i32.add (local.get $out) (local.get $p))
          (f32.add (f32.load (i32.add (local.get $a) (local.get $p))) (f32.load (i32.add (local.get $pat) (local.get $q)))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $scalar))))

  ;; --------------------------------------------------------------------------------------------
  ;; The bias gradient: out[c] = sum over r < R of x[r*C + c] (a sum over all leading axes).
  ;; acc: scratch of 2L floats, L a multiple of 4 and of C. The flat x goes four at a time into
  ;; lane accumulators part[i mod L], which are added into tot[0..L) every 64 L elements (shorter
  ;; float32 chains than one running sum); the last (R*C mod 4) elements one at a time; then
  ;; out[c] = sum over k of tot[k*C + c].
  (func (export "sumLeading")
    (param $x i32) (param $out i32) (param $acc i32) (param $R i32) (param $C i32) (param $L i32)
    (local $p i32) (local $end i32) (local $q i32) (local $lBytes i32) (local $total i32) (local $part i32)
    (local $blockEnd i32) (local $c i32) (local $k i32) (local $s f32)
    (local.set $total (i32.shl (i32.mul (local.get $R) (local.get $C)) (i32.const 2)))
    (local.set $end (i32.and (local.get $total) (i32.const -16)))
    (local.set $lBytes (i32.shl (local.get $L) (i32.const 2)))
    (local.set $part (i32.add (local.get $acc) (local.get $lBytes)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $lBytes) (i32.const 1)))
    (block $blocksDone
      (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $p) (local.get $end)))
        ;; one block: up to 64 L elements into part (p is a multiple of L here, so q starts at 0)
        (local.set $blockEnd (i32.add (local.get $p) (i32.shl (local.get $lBytes) (i32.const 6))))
        (if (i32.gt_u (local.get $blockEnd) (local.get $end)) (then (local.set $blockEnd (local.get $end))))
        (memory.fill (local.get $part) (i32.const 0) (local.get $lBytes))
        (local.set $q (i32.const 0))
        (loop $vector
          (v128.store (i32.add (local.get $part) (local.get $q))
            (f32x4.add (v128.load (i32.add (local.get $part) (local.get $q))) (v128.load (i32.add (local.get $x) (local.get $p)))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (if (i32.eq (local.get $q) (local.get $lBytes)) (then (local.set $q (i32.const 0))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $vector (i32.lt_u (local.get $p) (local.get $blockEnd))))
        (local.set $q (i32.const 0))
        (loop $flush
          (v128.store (i32.add (local.get $acc) (local.get $q))
            (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $q))) (v128.load (i32.add (local.get $part) (local.get $q)))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $flush (i32.lt_u (local.get $q) (local.get $lBytes))))
        (br $block)))
    ;; the last elements: p is past the last whole vector; its place in the pattern is p mod L
    (local.set $q (i32.rem_u (local.get $p) (local.get $lBytes)))
    (block $scalarsDone
      (loop $scalar
        (br_if $scalarsDone (i32.ge_u (local.get $p) (local.get $total)))
        (f32.store (i32.add (local.get $acc) (local.get $q))
          (f32.add (f32.load (i32.add (local.get $acc) (local.get $q))) (f32.load (i32.add (local.get $x) (local.get $p)))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $scalar)))
    ;; fold the L lanes into C sums
    (local.set $c (i32.const 0))
    (block $foldDone
      (loop $fold
        (br_if $foldDone (i32.ge_u (local.get $c) (local.get $C)))
        (local.set $s (f32.const 0))
        (local.set $k (local.get $c))
        (loop $lane
          (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $acc) (i32.shl (local.get $k) (i32.const 2))))))
          (local.set $k (i32.add (local.get $k) (local.get $C)))
          (br_if $lane (i32.lt_u (local.get $k) (local.get $L))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (local.get $s))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $fold))))

  ;; --------------------------------------------------------------------------------------------
  ;; Matrix products C [M, N] = A [M, K] B [K, N], B and C row-major. gemmNN takes A row-major,
  ;; gemmTN takes A stored transposed ([K, M] row-major: the dW = x^T dy of a dense layer).
  ;; Tiles of 4 rows by 8 columns (eight accumulators), each C element one float32 sum over k in
  ;; order. Where M or N is not a multiple of the tile, the last tile moves back to end at M (or N)
  ;; and recomputes the overlap, to the same values. M >= 4, N >= 8, K >= 1 (the caller checks).
  (func (export "gemmNN")
    (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
    (local $m i32) (local $n i32) (local $mm i32) (local $nn i32) (local $k i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $pb i32) (local $pc i32)
    (local $ldb i32) (local $lda i32)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $lda (i32.shl (local.get $K) (i32.const 2)))
    (loop $rows
      (local.set $mm (local.get $m))
      (if (i32.gt_s (local.get $mm) (i32.sub (local.get $M) (i32.const 4)))
        (then (local.set $mm (i32.sub (local.get $M) (i32.const 4)))))
      (local.set $n (i32.const 0))
      (loop $cols
        (local.set $nn (local.get $n))
        (if (i32.gt_s (local.get $nn) (i32.sub (local.get $N) (i32.const 8)))
          (then (local.set $nn (i32.sub (local.get $N) (i32.const 8)))))
        (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
        (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
        (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
        (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))
        (local.set $p0 (i32.add (local.get $a) (i32.mul (local.get $mm) (local.get $lda))))
        (local.set $p1 (i32.add (local.get $p0) (local.get $lda)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $lda)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $lda)))
        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $nn) (i32.const 2))))
        (local.set $k (local.get $K))
        (loop $kk
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $s (v128.load32_splat (local.get $p0)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat (local.get $p1)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat (local.get $p2)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat (local.get $p3)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
          (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
          (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
          (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
          (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br_if $kk (local.get $k)))
        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $mm) (local.get $N)) (local.get $nn)) (i32.const 2))))
        (v128.store (local.get $pc) (local.get $c00))
        (v128.store offset=16 (local.get $pc) (local.get $c01))
        (local.set $pc (i32.add (local.get $pc) (local.get $ldb)))
        (v128.store (local.get $pc) (local.get $c10))
        (v128.store offset=16 (local.get $pc) (local.get $c11))
        (local.set $pc (i32.add (local.get $pc) (local.get $ldb)))
        (v128.store (local.get $pc) (local.get $c20))
        (v128.store offset=16 (local.get $pc) (local.get $c21))
        (local.set $pc (i32.add (local.get $pc) (local.get $ldb)))
        (v128.store (local.get $pc) (local.get $c30))
        (v128.store offset=16 (local.get $pc) (local.get $c31))
        (local.set $n (i32.add (local.get $n) (i32.const 8)))
        (br_if $cols (i32.lt_s (local.get $n) (local.get $N))))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br_if $rows (i32.lt_s (local.get $m) (local.get $M)))))

  (func (export "gemmTN")
    (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
    (local $m i32) (local $n i32) (local $mm i32) (local $nn i32) (local $k i32)
    (local $pa i32) (local $pb i32) (local $pc i32)
    (local $ldb i32) (local $lda i32)
    (local $b0 v128) (local $b1 v128) (local $s v128) (local $v v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $lda (i32.shl (local.get $M) (i32.const 2)))
    (loop $rows
      (local.set $mm (local.get $m))
      (if (i32.gt_s (local.get $mm) (i32.sub (local.get $M) (i32.const 4)))
        (then (local.set $mm (i32.sub (local.get $M) (i32.const 4)))))
      (local.set $n (i32.const 0))
      (loop $cols
        (local.set $nn (local.get $n))
        (if (i32.gt_s (local.get $nn) (i32.sub (local.get $N) (i32.const 8)))
          (then (local.set $nn (i32.sub (local.get $N) (i32.const 8)))))
        (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
        (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
        (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
        (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))
        (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $mm) (i32.const 2))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $nn) (i32.const 2))))
        (local.set $k (local.get $K))
        (loop $kk
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $v (v128.load (local.get $pa)))
          (local.set $s (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $v) (local.get $v)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $v) (local.get $v)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $v) (local.get $v)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $v) (local.get $v)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $lda)))
          (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br_if $kk (local.get $k)))
        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $mm) (local.get $N)) (local.get $nn)) (i32.const 2))))
        (v128.store (local.get $pc) (local.get $c00))
        (v128.store offset=16 (local.get $pc) (local.get $c01))
        (local.set $pc (i32.add (local.get $pc) (local.get $ldb)))
        (v128.store (local.get $pc) (local.get $c10))
        (v128.store offset=16 (local.get $pc) (local.get $c11))
        (local.set $pc (i32.add (local.get $pc) (local.get $ldb)))
        (v128.store (local.get $pc) (local.get $c20))
        (v128.store offset=16 (local.get $pc) (local.get $c21))
        (local.set $pc (i32.add (local.get $pc) (local.get $ldb)))
        (v128.store (local.get $pc) (local.get $c30))
        (v128.store offset=16 (local.get $pc) (local.get $c31))
        (local.set $n (i32.add (local.get $n) (i32.const 8)))
        (br_if $cols (i32.lt_s (local.get $n) (local.get $N))))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br_if $rows (i32.lt_s (local.get $m) (local.get $M)))))

  ;; --------------------------------------------------------------------------------------------
  ;; Conv2D (forward), as dot products along the runs:
  ;;   out[n, oh, ow, co] = sum over kh, j of xp[run (n, oh, ow, kh)][j] * f[kh, kw, ci, co], j = kw*Ci + ci
  ;; xp: [N, Hp, Wp, Ci] padded so that every patch is inside. f: [KH, KW, Ci, Co], Co >= 2.
  ;; Output channels go in tiles of four (co = 4t), and, where Co mod 4 is 1 or 2, a last tile of
  ;; two (co = Co - 2); where it is 3, a last tile of four at Co - 4 (and where Co is 3, tiles of two
  ;; at 0 and 1). Tiles overlap there, recomputing some channels to the same values: each output is
  ;; one sum in a fixed order, whatever its tile. ft: scratch holding, per tile and filter row, per
  ;; vector v of the run (jv vectors), the tile's channels' taps j = 4v..4v+3 (zero for j >= J),
  ;; tile after tile: KH * jv * 16 floats per four channels, KH * jv * 8 per two.
  ;; Register tiles: 2 pixels by four channels and 4 pixels by two, one vector accumulator each,
  ;; over kh and v (the run's last vector masked to its real lanes); then each pixel's lanes are
  ;; summed ((l0 + l2) + (l1 + l3)) and stored. Pixels go in groups of consecutive ow, the last group
  ;; moved back to end at OW (its overlap recomputed, again to the same values).
  (func (export "convForward")
    (param $xp i32) (param $ft i32) (param $out i32) (param $filter i32)
    (param $N i32) (param $Hp i32) (param $Wp i32) (param $Ci i32)
    (param $OH i32) (param $OW i32) (param $Co i32)
    (param $KH i32) (param $KW i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $jv i32)
    (local $n i32) (local $oh i32) (local $ow i32) (local $ow0 i32) (local $q i32) (local $kh i32) (local $v i32)
    (local $t i32) (local $j i32) (local $J i32) (local $T i32) (local $cs i32) (local $tile i32) (local $tiles i32)
    (local $fTile i32) (local $fq i32) (local $p i32) (local $xn i32) (local $on i32) (local $rowBase i32)
    (local $xRow i32) (local $xPix i32) (local $kRow i32)
    (local $s0 i32) (local $r0 i32) (local $o0 i32) (local $s1 i32) (local $r1 i32) (local $o1 i32) (local $s2 i32) (local $r2 i32) (local $o2 i32) (local $s3 i32) (local $r3 i32) (local $o3 i32)
    (local $mask v128) (local $f v128) (local $u0 v128) (local $u1 v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $a00 v128) (local $a01 v128) (local $a02 v128) (local $a03 v128) (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128) (local $a20 v128) (local $a21 v128) (local $a22 v128) (local $a23 v128) (local $a30 v128) (local $a31 v128) (local $a32 v128) (local $a33 v128)
    (local.set $J (i32.mul (local.get $KW) (local.get $Ci)))
    ;; tiles: floor(Co / 4) of four, then one of four at Co - 4 (Co mod 4 = 3, Co > 3), or of two at
    ;; Co - 2 (Co mod 4 = 1 or 2), or two of two at 0 and 1 (Co = 3)
    (local.set $tiles (i32.shr_u (local.get $Co) (i32.const 2)))
    (if (i32.and (local.get $Co) (i32.const 3)) (then (local.set $tiles (i32.add (local.get $tiles) (i32.const 1)))))
    (if (i32.eq (local.get $Co) (i32.const 3)) (then (local.set $tiles (i32.const 2))))
    ;; pack ft, tile by tile
    (local.set $p (local.get $ft))
    (local.set $tile (i32.const 0))
    (loop $packTile
      (call $tileOf (local.get $tile) (local.get $Co))
      (local.set $T) (local.set $cs)
      (memory.fill (local.get $p) (i32.const 0) (i32.shl (i32.mul (i32.mul (local.get $KH) (local.get $jv)) (local.get $T)) (i32.const 4)))
      (local.set $kh (i32.const 0))
      (loop $packKh
        (local.set $j (i32.const 0))
        (loop $packJ
          (local.set $t (i32.const 0))
          (loop $packT
            ;; ft[tile][kh][v = j / 4][t][j mod 4] = f[kh, j, cs + t]
            (f32.store
              (i32.add (local.get $p)
                (i32.shl
                  (i32.add
                    (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $jv)) (i32.shr_u (local.get $j) (i32.const 2)))
                      (i32.shl (local.get $T) (i32.const 2)))
                    (i32.add (i32.shl (local.get $t) (i32.const 2)) (i32.and (local.get $j) (i32.const 3))))
                  (i32.const 2)))
              (f32.load (i32.add (local.get $filter)
                (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $J)) (local.get $j)) (local.get $Co))
                  (i32.add (local.get $cs) (local.get $t))) (i32.const 2)))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br_if $packT (i32.lt_u (local.get $t) (local.get $T))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $packJ (i32.lt_u (local.get $j) (local.get $J))))
        (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
        (br_if $packKh (i32.lt_u (local.get $kh) (local.get $KH))))
      (local.set $p (i32.add (local.get $p) (i32.shl (i32.mul (i32.mul (local.get $KH) (local.get $jv)) (local.get $T)) (i32.const 4))))
      (local.set $tile (i32.add (local.get $tile) (i32.const 1)))
      (br_if $packTile (i32.lt_u (local.get $tile) (local.get $tiles))))
    ;; the run's last vector: lanes below J - 4 (jv - 1) are real
    (local.set $mask (i32x4.gt_s (i32x4.splat (i32.sub (local.get $J) (i32.shl (i32.sub (local.get $jv) (i32.const 1)) (i32.const 2))))
      (v128.const i32x4 0 1 2 3)))
    (local.set $xPix (i32.shl (i32.mul (local.get $sw) (local.get $Ci)) (i32.const 2)))
    (local.set $xRow (i32.shl (i32.mul (local.get $Wp) (local.get $Ci)) (i32.const 2)))
    (local.set $kRow (i32.mul (local.get $dh) (local.get $xRow)))
    (loop $image
      (local.set $xn (i32.add (local.get $xp) (i32.mul (i32.mul (local.get $n) (local.get $Hp)) (local.get $xRow))))
      (local.set $on (i32.add (local.get $out) (i32.shl (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $OH)) (local.get $OW)) (local.get $Co)) (i32.const 2))))
      (local.set $fTile (local.get $ft))
      (local.set $tile (i32.const 0))
      (loop $tile
        (call $tileOf (local.get $tile) (local.get $Co))
        (local.set $T) (local.set $cs)
        (if (i32.eq (local.get $T) (i32.const 4))
          (then
          (local.set $oh (i32.const 0))
          (loop $row4
            (local.set $rowBase (i32.add (local.get $xn) (i32.mul (i32.mul (local.get $oh) (local.get $sh)) (local.get $xRow))))
            (local.set $ow (i32.const 0))
            (loop $group4
              ;; the group's first pixel, moved back so that the group ends at OW (pixels past OW-1 repeat it)
              (local.set $ow0 (local.get $ow))
              (if (i32.gt_s (local.get $ow0) (i32.sub (local.get $OW) (i32.const 2)))
                (then (local.set $ow0 (i32.sub (local.get $OW) (i32.const 2)))))
              (if (i32.lt_s (local.get $ow0) (i32.const 0)) (then (local.set $ow0 (i32.const 0))))
              (local.set $q (local.get $ow0))
              (local.set $s0 (i32.add (local.get $rowBase) (i32.mul (local.get $q) (local.get $xPix))))
              (local.set $o0 (i32.add (local.get $on) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $OW)) (local.get $q)) (local.get $Co)) (local.get $cs)) (i32.const 2))))
              (local.set $q (i32.add (local.get $ow0) (i32.const 1)))
              (if (i32.ge_s (local.get $q) (local.get $OW)) (then (local.set $q (i32.sub (local.get $OW) (i32.const 1)))))
              (local.set $s1 (i32.add (local.get $rowBase) (i32.mul (local.get $q) (local.get $xPix))))
              (local.set $o1 (i32.add (local.get $on) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $OW)) (local.get $q)) (local.get $Co)) (local.get $cs)) (i32.const 2))))
              (local.set $a00 (v128.const i64x2 0 0))
              (local.set $a01 (v128.const i64x2 0 0))
              (local.set $a02 (v128.const i64x2 0 0))
              (local.set $a03 (v128.const i64x2 0 0))
              (local.set $a10 (v128.const i64x2 0 0))
              (local.set $a11 (v128.const i64x2 0 0))
              (local.set $a12 (v128.const i64x2 0 0))
              (local.set $a13 (v128.const i64x2 0 0))
              (local.set $fq (local.get $fTile))
              (local.set $kh (i32.const 0))
              (loop $kh4
                (local.set $r0 (i32.add (local.get $s0) (i32.mul (local.get $kh) (local.get $kRow))))
                (local.set $r1 (i32.add (local.get $s1) (i32.mul (local.get $kh) (local.get $kRow))))
                (local.set $v (i32.sub (local.get $jv) (i32.const 1)))
                (block $full4
                  (br_if $full4 (i32.eqz (local.get $v)))
                  (loop $vec4
                    (local.set $x0 (v128.load (local.get $r0)))
                    (local.set $x1 (v128.load (local.get $r1)))
                    (local.set $f (v128.load (local.get $fq)))
                    (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $x0) (local.get $f))))
                    (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $x1) (local.get $f))))
                    (local.set $f (v128.load offset=16 (local.get $fq)))
                    (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $x0) (local.get $f))))
                    (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $x1) (local.get $f))))
                    (local.set $f (v128.load offset=32 (local.get $fq)))
                    (local.set $a02 (f32x4.add (local.get $a02) (f32x4.mul (local.get $x0) (local.get $f))))
                    (local.set $a12 (f32x4.add (local.get $a12) (f32x4.mul (local.get $x1) (local.get $f))))
                    (local.set $f (v128.load offset=48 (local.get $fq)))
                    (local.set $a03 (f32x4.add (local.get $a03) (f32x4.mul (local.get $x0) (local.get $f))))
                    (local.set $a13 (f32x4.add (local.get $a13) (f32x4.mul (local.get $x1) (local.get $f))))
                    (local.set $fq (i32.add (local.get $fq) (i32.const 64)))
                    (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
                    (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
                    (local.set $v (i32.sub (local.get $v) (i32.const 1)))
                    (br_if $vec4 (local.get $v))))
                ;; the run's last vector, masked
                (local.set $x0 (v128.and (v128.load (local.get $r0)) (local.get $mask)))
                (local.set $x1 (v128.and (v128.load (local.get $r1)) (local.get $mask)))
                (local.set $f (v128.load (local.get $fq)))
                (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $x0) (local.get $f))))
                (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $x1) (local.get $f))))
                (local.set $f (v128.load offset=16 (local.get $fq)))
                (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $x0) (local.get $f))))
                (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $x1) (local.get $f))))
                (local.set $f (v128.load offset=32 (local.get $fq)))
                (local.set $a02 (f32x4.add (local.get $a02) (f32x4.mul (local.get $x0) (local.get $f))))
                (local.set $a12 (f32x4.add (local.get $a12) (f32x4.mul (local.get $x1) (local.get $f))))
                (local.set $f (v128.load offset=48 (local.get $fq)))
                (local.set $a03 (f32x4.add (local.get $a03) (f32x4.mul (local.get $x0) (local.get $f))))
                (local.set $a13 (f32x4.add (local.get $a13) (f32x4.mul (local.get $x1) (local.get $f))))
                (local.set $fq (i32.add (local.get $fq) (i32.const 64)))
                (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
                (br_if $kh4 (i32.lt_u (local.get $kh) (local.get $KH))))
              (local.set $u0 (f32x4.add
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a00) (local.get $a01))
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a00) (local.get $a01))))
              (local.set $u1 (f32x4.add
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a02) (local.get $a03))
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a02) (local.get $a03))))
              (v128.store (local.get $o0) (f32x4.add
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u1))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u1))))
              (local.set $u0 (f32x4.add
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a10) (local.get $a11))
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a10) (local.get $a11))))
              (local.set $u1 (f32x4.add
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a12) (local.get $a13))
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a12) (local.get $a13))))
              (v128.store (local.get $o1) (f32x4.add
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u1))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u1))))
              (local.set $ow (i32.add (local.get $ow) (i32.const 2)))
              (br_if $group4 (i32.lt_s (local.get $ow) (local.get $OW))))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br_if $row4 (i32.lt_u (local.get $oh) (local.get $OH)))))
          (else
          (local.set $oh (i32.const 0))
          (loop $row2
            (local.set $rowBase (i32.add (local.get $xn) (i32.mul (i32.mul (local.get $oh) (local.get $sh)) (local.get $xRow))))
            (local.set $ow (i32.const 0))
            (loop $group2
              ;; the group's first pixel, moved back so that the group ends at OW (pixels past OW-1 repeat it)
              (local.set $ow0 (local.get $ow))
              (if (i32.gt_s (local.get $ow0) (i32.sub (local.get $OW) (i32.const 4)))
                (then (local.set $ow0 (i32.sub (local.get $OW) (i32.const 4)))))
              (if (i32.lt_s (local.get $ow0) (i32.const 0)) (then (local.set $ow0 (i32.const 0))))
              (local.set $q (local.get $ow0))
              (local.set $s0 (i32.add (local.get $rowBase) (i32.mul (local.get $q) (local.get $xPix))))
              (local.set $o0 (i32.add (local.get $on) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $OW)) (local.get $q)) (local.get $Co)) (local.get $cs)) (i32.const 2))))
              (local.set $q (i32.add (local.get $ow0) (i32.const 1)))
              (if (i32.ge_s (local.get $q) (local.get $OW)) (then (local.set $q (i32.sub (local.get $OW) (i32.const 1)))))
              (local.set $s1 (i32.add (local.get $rowBase) (i32.mul (local.get $q) (local.get $xPix))))
              (local.set $o1 (i32.add (local.get $on) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $OW)) (local.get $q)) (local.get $Co)) (local.get $cs)) (i32.const 2))))
              (local.set $q (i32.add (local.get $ow0) (i32.const 2)))
              (if (i32.ge_s (local.get $q) (local.get $OW)) (then (local.set $q (i32.sub (local.get $OW) (i32.const 1)))))
              (local.set $s2 (i32.add (local.get $rowBase) (i32.mul (local.get $q) (local.get $xPix))))
              (local.set $o2 (i32.add (local.get $on) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $OW)) (local.get $q)) (local.get $Co)) (local.get $cs)) (i32.const 2))))
              (local.set $q (i32.add (local.get $ow0) (i32.const 3)))
              (if (i32.ge_s (local.get $q) (local.get $OW)) (then (local.set $q (i32.sub (local.get $OW) (i32.const 1)))))
              (local.set $s3 (i32.add (local.get $rowBase) (i32.mul (local.get $q) (local.get $xPix))))
              (local.set $o3 (i32.add (local.get $on) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $OW)) (local.get $q)) (local.get $Co)) (local.get $cs)) (i32.const 2))))
              (local.set $a00 (v128.const i64x2 0 0))
              (local.set $a01 (v128.const i64x2 0 0))
              (local.set $a10 (v128.const i64x2 0 0))
              (local.set $a11 (v128.const i64x2 0 0))
              (local.set $a20 (v128.const i64x2 0 0))
              (local.set $a21 (v128.const i64x2 0 0))
              (local.set $a30 (v128.const i64x2 0 0))
              (local.set $a31 (v128.const i64x2 0 0))
              (local.set $fq (local.get $fTile))
              (local.set $kh (i32.const 0))
              (loop $kh2
                (local.set $r0 (i32.add (local.get $s0) (i32.mul (local.get $kh) (local.get $kRow))))
                (local.set $r1 (i32.add (local.get $s1) (i32.mul (local.get $kh) (local.get $kRow))))
                (local.set $r2 (i32.add (local.get $s2) (i32.mul (local.get $kh) (local.get $kRow))))
                (local.set $r3 (i32.add (local.get $s3) (i32.mul (local.get $kh) (local.get $kRow))))
                (local.set $v (i32.sub (local.get $jv) (i32.const 1)))
                (block $full2
                  (br_if $full2 (i32.eqz (local.get $v)))
                  (loop $vec2
                    (local.set $x0 (v128.load (local.get $r0)))
                    (local.set $x1 (v128.load (local.get $r1)))
                    (local.set $x2 (v128.load (local.get $r2)))
                    (local.set $x3 (v128.load (local.get $r3)))
                    (local.set $f (v128.load (local.get $fq)))
                    (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $x0) (local.get $f))))
                    (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $x1) (local.get $f))))
                    (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $x2) (local.get $f))))
                    (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $x3) (local.get $f))))
                    (local.set $f (v128.load offset=16 (local.get $fq)))
                    (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $x0) (local.get $f))))
                    (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $x1) (local.get $f))))
                    (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $x2) (local.get $f))))
                    (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $x3) (local.get $f))))
                    (local.set $fq (i32.add (local.get $fq) (i32.const 32)))
                    (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
                    (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
                    (local.set $r2 (i32.add (local.get $r2) (i32.const 16)))
                    (local.set $r3 (i32.add (local.get $r3) (i32.const 16)))
                    (local.set $v (i32.sub (local.get $v) (i32.const 1)))
                    (br_if $vec2 (local.get $v))))
                ;; the run's last vector, masked
                (local.set $x0 (v128.and (v128.load (local.get $r0)) (local.get $mask)))
                (local.set $x1 (v128.and (v128.load (local.get $r1)) (local.get $mask)))
                (local.set $x2 (v128.and (v128.load (local.get $r2)) (local.get $mask)))
                (local.set $x3 (v128.and (v128.load (local.get $r3)) (local.get $mask)))
                (local.set $f (v128.load (local.get $fq)))
                (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $x0) (local.get $f))))
                (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $x1) (local.get $f))))
                (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $x2) (local.get $f))))
                (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $x3) (local.get $f))))
                (local.set $f (v128.load offset=16 (local.get $fq)))
                (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $x0) (local.get $f))))
                (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $x1) (local.get $f))))
                (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $x2) (local.get $f))))
                (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $x3) (local.get $f))))
                (local.set $fq (i32.add (local.get $fq) (i32.const 32)))
                (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
                (br_if $kh2 (i32.lt_u (local.get $kh) (local.get $KH))))
              (local.set $u0 (f32x4.add
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a00) (local.get $a01))
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a00) (local.get $a01))))
              (v128.store64_lane 0 (local.get $o0) (f32x4.add (local.get $u0)
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $u0) (local.get $u0))))
              (local.set $u0 (f32x4.add
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a10) (local.get $a11))
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a10) (local.get $a11))))
              (v128.store64_lane 0 (local.get $o1) (f32x4.add (local.get $u0)
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $u0) (local.get $u0))))
              (local.set $u0 (f32x4.add
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a20) (local.get $a21))
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a20) (local.get $a21))))
              (v128.store64_lane 0 (local.get $o2) (f32x4.add (local.get $u0)
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $u0) (local.get $u0))))
              (local.set $u0 (f32x4.add
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a30) (local.get $a31))
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a30) (local.get $a31))))
              (v128.store64_lane 0 (local.get $o3) (f32x4.add (local.get $u0)
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $u0) (local.get $u0))))
              (local.set $ow (i32.add (local.get $ow) (i32.const 4)))
              (br_if $group2 (i32.lt_s (local.get $ow) (local.get $OW))))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br_if $row2 (i32.lt_u (local.get $oh) (local.get $OH))))))
        (local.set $fTile (i32.add (local.get $fTile) (i32.shl (i32.mul (i32.mul (local.get $KH) (local.get $jv)) (local.get $T)) (i32.const 4))))
        (local.set $tile (i32.add (local.get $tile) (i32.const 1)))
        (br_if $tile (i32.lt_u (local.get $tile) (local.get $tiles))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $image (i32.lt_u (local.get $n) (local.get $N)))))

  ;; Tile `tile` of Co output channels (see convForward): its first channel and its width (4 or 2).
  (func $tileOf (param $tile i32) (param $Co i32) (result i32 i32)
    (local $full i32) (local $rem i32)
    (local.set $full (i32.shr_u (local.get $Co) (i32.const 2)))
    (local.set $rem (i32.and (local.get $Co) (i32.const 3)))
    (if (i32.eq (local.get $Co) (i32.const 3))
      (then (return (local.get $tile) (i32.const 2))))
    (if (i32.lt_u (local.get $tile) (local.get $full))
      (then (return (i32.shl (local.get $tile) (i32.const 2)) (i32.const 4))))
    (if (i32.eq (local.get $rem) (i32.const 3))
      (then (return (i32.sub (local.get $Co) (i32.const 4)) (i32.const 4))))
    (return (i32.sub (local.get $Co) (i32.const 2)) (i32.const 2)))

)
