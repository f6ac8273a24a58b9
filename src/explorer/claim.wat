;; SharedTable.claim's probe loop (shared-visited.ts), in WebAssembly so that
;; its atomics compile to plain instructions: Node 20's V8 calls a builtin
;; for every Atomics.* of JavaScript (~16 ns against ~3 ns for a plain read).
;; For 14 M lookups of random keys in a 3.4 M-slot table, this took half
;; the time of the JavaScript probe.
;;
;; The source of src/explorer/claim-wasm.ts: `npm run wasm` writes it, and a
;; test checks that it is this file compiled (test/explorer/claim-wasm.test.ts).
;;
;; Memory (one per table, shared by every thread): slot i is the 8 bytes at
;; 8*i, the fingerprint (hi, lo) as the little-endian i64 hi | lo << 32, and
;; 0 for empty; the fresh bitmap follows at byte `fresh`, bit i%32 of the
;; 32-bit word at fresh + 4*(i/32).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The table's slot count and the byte offset of its fresh bitmap: set once
  ;; per instance (init), not passed with every claim, as JavaScript would
  ;; box them once the table passes 2^30 bytes.
  (global $capacity (mut i32) (i32.const 0))
  (global $fresh (mut i32) (i32.const 0))

  (func (export "init") (param $capacity i32) (param $fresh i32)
    (global.set $capacity (local.get $capacity))
    (global.set $fresh (local.get $fresh)))

  ;; Looks up the fingerprint (hi, lo) and claims an empty slot for it if it
  ;; is not there, when `may_insert` (the caller holds a reserved slot).
  ;; hi and lo come as 16-bit halves: JavaScript passes a number at or above
  ;; 2^30 to WebAssembly as a heap-allocated double (most fingerprint words
  ;; are), and halves never are. Returns slot << 2 | kind, kind as
  ;; shared-visited.ts's Claim: 0 seen in an earlier level, 1 claimed now by
  ;; this call, 2 new in this level but claimed by another call; or 3: not
  ;; there, and `may_insert` was 0.
  (func (export "claim")
    (param $hi_high i32) (param $hi_low i32) (param $lo_high i32) (param $lo_low i32) (param $may_insert i32)
    (result i32)
    (local $hi i32) (local $lo i32) (local $capacity i32) (local $fresh i32)
    (local $i i32) (local $key i64) (local $seen i64) (local $word i32) (local $bit i32)
    (local.set $hi (i32.or (i32.shl (local.get $hi_high) (i32.const 16)) (local.get $hi_low)))
    (local.set $lo (i32.or (i32.shl (local.get $lo_high) (i32.const 16)) (local.get $lo_low)))
    (local.set $capacity (global.get $capacity))
    (local.set $fresh (global.get $fresh))
    (local.set $key
      (i64.or (i64.extend_i32_u (local.get $hi))
              (i64.shl (i64.extend_i32_u (local.get $lo)) (i64.const 32))))
    ;; The home slot, floor(hash * capacity / 2^32) in doubles, exactly as
    ;; SharedTable.home computes it (IEEE multiplication is the same here).
    (local.set $i
      (i32.trunc_f64_u
        (f64.floor
          (f64.mul
            (f64.mul
              (f64.convert_i32_u
                (i32.xor (local.get $lo) (i32.mul (local.get $hi) (i32.const 0x9e3779b1))))
              (f64.convert_i32_u (local.get $capacity)))
            (f64.const 0x1p-32)))))
    (loop $probe
      (local.set $word
        (i32.add (local.get $fresh) (i32.shl (i32.shr_u (local.get $i) (i32.const 5)) (i32.const 2))))
      (local.set $bit (i32.shl (i32.const 1) (i32.and (local.get $i) (i32.const 31))))
      ;; An atomic 8-byte load: never a torn slot, and it synchronizes with
      ;; the compareExchange that filled the slot.
      (local.set $seen (i64.atomic.load (i32.shl (local.get $i) (i32.const 3))))
      (if (i64.eqz (local.get $seen))
        (then
          (if (i32.eqz (local.get $may_insert))
            (then (return (i32.or (i32.shl (local.get $i) (i32.const 2)) (i32.const 3)))))
          ;; The fresh bit first, then the fingerprint: whoever finds the
          ;; fingerprint (by the atomic load above) then finds the bit.
          (drop (i32.atomic.rmw.or (local.get $word) (local.get $bit)))
          (local.set $seen
            (i64.atomic.rmw.cmpxchg (i32.shl (local.get $i) (i32.const 3)) (i64.const 0) (local.get $key)))
          (if (i64.eqz (local.get $seen))
            (then (return (i32.or (i32.shl (local.get $i) (i32.const 2)) (i32.const 1)))))
          ;; Another thread filled the slot first: look at what it wrote.
        ))
      (if (i64.eq (local.get $seen) (local.get $key))
        (then
          (return
            (select
              (i32.or (i32.shl (local.get $i) (i32.const 2)) (i32.const 2))
              (i32.shl (local.get $i) (i32.const 2))
              (i32.and (i32.atomic.load (local.get $word)) (local.get $bit))))))
      ;; Linear probing, wrapping at the end of the table.
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.eq (local.get $i) (local.get $capacity))
        (then (local.set $i (i32.const 0))))
      (br $probe))
    (unreachable)))
