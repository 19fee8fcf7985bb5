#!/usr/bin/env python3
"""Independent known-answer values for tests/unit/test_paillier.c.

Pure Python integers, no blindscore code: fixed primes p, q (found here by a
deterministic search), the DJN value hs = (-x^2)^n mod n^2 for a fixed x, and
ciphertexts c = (1 + m*n) * hs^a mod n^2 for fixed (m, a).  Decryption is
checked here with the textbook lambda/mu formula (not the CRT the C code uses).
Run: python3 tests/unit/kat/paillier_kat.py  -> prints the C table.
"""
import hashlib

def is_prime(n):
    if n < 2: return False
    for sp in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % sp == 0: return n == sp
    d, s = n - 1, 0
    while d % 2 == 0: d //= 2; s += 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41):
        x = pow(a, d, n)
        if x in (1, n - 1): continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1: break
        else:
            return False
    return True

def prime_from(label, bits):
    # deterministic candidate stream from SHA-256 of a label
    i = 0
    while True:
        h = int.from_bytes(hashlib.sha256(f"{label}-{i}".encode()).digest() * 2, "big")
        c = h >> (512 - bits)
        c |= (3 << (bits - 2)) | 3
        if is_prime(c): return c
        i += 1

from math import gcd
p = prime_from("blindscore-kat-p", 128)
k = 0
while True:  # first q of the stream with gcd(p-1, q-1) = 2
    q = prime_from(f"blindscore-kat-q{k}", 128)
    if gcd(p - 1, q - 1) == 2 and q != p: break
    k += 1
assert p % 4 == 3 and q % 4 == 3 and gcd(p - 1, q - 1) == 2
n = p * q; n2 = n * n
x = int.from_bytes(hashlib.sha256(b"blindscore-kat-x").digest(), "big") % n
hs = pow((-x * x) % n2, n, n2)
lam = (p - 1) * (q - 1) // gcd(p - 1, q - 1)
mu = pow((pow(n + 1, lam, n2) - 1) // n, -1, n)
def dec(c):
    v = (pow(c, lam, n2) - 1) // n * mu % n
    return v - n if v > n // 2 else v

cases = [(0, 1), (1, 12345), (-1, 999), (42, 2**127 - 1), (-123456789, 2**100 + 7),
         (n // 2, 5), (-(n // 2), 6)]
print(f'#define KAT_P "{p:x}"\n#define KAT_Q "{q:x}"\n#define KAT_N "{n:x}"\n#define KAT_HS "{hs:x}"')
print("static const struct kat_case kat_cases[] = {")
for m, a in cases:
    c = (1 + (m % n) * n) * pow(hs, a, n2) % n2
    assert dec(c) == m
    print(f'\t{{"{m}", "{a:x}", "{c:x}"}},')
print("};")
