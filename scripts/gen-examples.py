#!/usr/bin/env python3
"""Generates checksum-valid fake credentials for rule examples and tests, following
shared/specs/credential-formats.md. None of them is a live credential.

    python3 scripts/gen-examples.py [seed]
"""
import base64, random, sys, zlib

M32 = 0xFFFFFFFF
def rotl(x, n): return ((x << n) | (x >> (32 - n))) & M32

def marvin32(data: bytes, seed: int) -> int:
    p0, p1 = seed & M32, seed >> 32
    def block(p0, p1):
        p1 ^= p0; p0 = rotl(p0, 20); p0 = (p0 + p1) & M32; p1 = rotl(p1, 9)
        p1 ^= p0; p0 = rotl(p0, 27); p0 = (p0 + p1) & M32; p1 = rotl(p1, 19)
        return p0, p1
    n = len(data) // 4 * 4
    for i in range(0, n, 4):
        p0 = (p0 + int.from_bytes(data[i:i+4], 'little')) & M32
        p0, p1 = block(p0, p1)
    rest = data[n:]
    f = int.from_bytes(rest + b'\x80', 'little')
    p0 = (p0 + f) & M32
    p0, p1 = block(p0, p1); p0, p1 = block(p0, p1)
    return p0 ^ p1

assert marvin32(b'abc', 0xD53CD9CECD0893B7) == 0x6BE02A86
def seed(name): return int.from_bytes(name.encode(), 'big')

def identifiable(rng, n, sig, seedname, urlsafe=False):
    b = bytearray(rng.randbytes(n))
    spill = ((n - 7) * 8) % 6
    s = base64.b64decode(sig)
    w = (b[n-8] << 24) & {0: 0xFFFFFFFF, 2: 0xFCFFFFFF, 4: 0xF0FFFFFF}[spill]
    w = (w & 0xFF000000) | (s[0] << (16 + spill)) | (s[1] << (8 + spill)) | (s[2] << spill)
    b[n-8:n-4] = w.to_bytes(4, 'big')
    b[n-4:] = marvin32(bytes(b[:n-4]), seed(seedname)).to_bytes(4, 'little')
    enc = base64.b64encode(bytes(b)).decode()
    if urlsafe: enc = enc.replace('+', '-').replace('/', '_')
    return enc

B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
def b62(n):
    s = ''
    while n: n, r = divmod(n, 62); s = B62[r] + s
    return s or '0'

def cask(rng, sig, reserved='AAAA'):
    alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    rnd = ''.join(rng.choice(alnum) for _ in range(52))
    plat = ''.join(rng.choice(alnum) for _ in range(12))
    head = rnd + 'JQQJ99' + 'B' + rng.choice('ABCDEFGHIJKL') + plat + reserved + sig
    c = marvin32(base64.b64decode(head), seed('Default0'))
    le = c.to_bytes(4, 'little')
    t = ''
    lead = 0
    for x in le:
        if x == 0 and lead < 3: t += '0'; lead += 1
        else: break
    t = (t + b62(int.from_bytes(le, 'big'))).ljust(6, '0')
    return head + t[:4]

def github(rng, prefix):
    body = ''.join(rng.choice(B62) for _ in range(30))
    return prefix + body + b62(zlib.crc32(body.encode())).rjust(6, '0')

ENTRA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890.-_~'
def entra(rng):
    chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_~'
    text = ''.join(rng.choice(chars) for _ in range(3)) + '8Q~' + ''.join(rng.choice(chars) for _ in range(31))
    c = marvin32(text.encode('latin-1'), seed('AadPwd00'))
    enc = ''
    while c: c, r = divmod(c, 66); enc = ENTRA[r] + enc
    return text + enc.rjust(6, 'a')[:3]

def pypi(rng):
    """A PyPI token: `pypi-` + base64url of a V2 macaroon (location pypi.org, a UUID
    identifier, one caveat, a 32-byte signature)."""
    field = lambda kind, data: bytes([kind, len(data)]) + data
    ident = '%08x-%04x-4%03x-a%03x-%012x' % (rng.getrandbits(32), rng.getrandbits(16),
        rng.getrandbits(12), rng.getrandbits(12), rng.getrandbits(48))
    m = (b'\x02' + field(1, b'pypi.org') + field(2, ident.encode()) + b'\x00'
         + field(2, b'{"version": 1, "permissions": {"projects": ["contoso-tools"]}}') + b'\x00'
         + b'\x00' + field(6, rng.randbytes(32)))
    return 'pypi-' + base64.urlsafe_b64encode(m).decode().rstrip('=')

def ado_legacy(rng):
    tok = rng.randbytes(28)
    stored = zlib.crc32(tok) ^ 0xE0B9692D
    b = bytearray(32)
    rest = list(tok)
    for i in range(32):
        if i in (2, 7, 8, 22): continue
        b[i] = rest.pop(0)
    b[22], b[8], b[7], b[2] = stored & 0xFF, (stored >> 8) & 0xFF, (stored >> 16) & 0xFF, stored >> 24
    return base64.b32encode(bytes(b)).decode().rstrip('=').lower()[:52]

def luhn_complete(prefix, length, rng):
    digits = prefix + ''.join(rng.choice('0123456789') for _ in range(length - len(prefix) - 1))
    for d in '0123456789':
        n = digits + d
        s = sum((int(c) if i % 2 == 0 else (2*int(c) - 9 if int(c) > 4 else 2*int(c))) for i, c in enumerate(reversed(n)))
        if s % 10 == 0: return n

if __name__ == '__main__':
    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
    out = {
        'storage (+ASt)': identifiable(rng, 64, '+ASt', 'Default0'),
        'cosmos (ACDb)': identifiable(rng, 64, 'ACDb', 'MastRW00'),
        'batch (+ABa)': identifiable(rng, 64, '+ABa', 'AbAcct00'),
        'apim (APIM)': identifiable(rng, 64, 'APIM', 'Tenant00'),
        'servicebus (+ASb)': identifiable(rng, 32, '+ASb', 'Send0000'),
        'eventhubs (+AEh)': identifiable(rng, 32, '+AEh', 'Listen00'),
        'relay (+ARm)': identifiable(rng, 32, '+ARm', 'Manage00'),
        'iothub (AIoT)': identifiable(rng, 32, 'AIoT', 'IoTHub00'),
        'redis (AzCa)': identifiable(rng, 32, 'AzCa', 'Access00'),
        'eventgrid (AZEG)': identifiable(rng, 32, 'AZEG', 'SendRecv'),
        'search (AzSe)': identifiable(rng, 39, 'AzSe', 'PAdmin00', urlsafe=True),
        'acr (+ACR)': identifiable(rng, 39, '+ACR', 'ACRDflt0'),
        'functions (AzFu)': identifiable(rng, 40, 'AzFu', 'Functi00', urlsafe=True),
        'cask AZDO': cask(rng, 'AZDO'),
        'cask ACOG openai': cask(rng, 'ACOG', 'AAAB'),
        'cask ACOG speech': cask(rng, 'ACOG', 'AAAY'),
        'cask AZMP': cask(rng, 'AZMP'),
        'cask AZCS': cask(rng, 'AZCS'),
        'cask AZEG': cask(rng, 'AZEG'),
        'cask AZAC': cask(rng, 'AZAC'),
        'ghp': github(rng, 'ghp_'), 'gho': github(rng, 'gho_'), 'ghu': github(rng, 'ghu_'),
        'ghs': github(rng, 'ghs_'), 'ghr': github(rng, 'ghr_'), 'npm': github(rng, 'npm_'),
        'entra': entra(rng), 'ado legacy': ado_legacy(rng), 'pypi': pypi(rng),
        'visa': luhn_complete('4', 16, rng), 'mc': luhn_complete('52', 16, rng),
        'amex': luhn_complete('37', 15, rng), 'discover': luhn_complete('6011', 16, rng),
        'jcb': luhn_complete('3530', 16, rng),
    }
    for k, v in out.items():
        print(f'{k}\t{v}')
