"""A random string matched by a simple regex: the one sampler scripts/rulegen.py (fake
examples for generated rules) and scripts/peer-examples.py (gitleaks' generated samples)
share, so both read a pattern the same way."""
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import sre_parse, sre_constants as C  # noqa: E402

WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"


def sample(pattern, rng, bounded_extra=None):
    """A random string matched by `pattern` (literals, classes, repeats, groups, branches,
    `.`); None for what it cannot draw (negated classes, lookarounds, back-references).
    An unbounded repeat draws at most 8 more than its minimum; `bounded_extra` caps a
    bounded one the same way (None: up to its own maximum)."""
    try:
        tree = sre_parse.parse(pattern)
    except Exception:
        return None
    return _emit(tree, rng, bounded_extra)


def _emit(tree, rng, bounded_extra):
    out = []
    for op, av in tree:
        if op == C.LITERAL:
            out.append(chr(av))
        elif op == C.IN:
            chars = []
            for kind, v in av:
                if kind == C.LITERAL:
                    chars.append(chr(v))
                elif kind == C.RANGE:
                    chars.extend(chr(c) for c in range(v[0], v[1] + 1))
                elif kind == C.CATEGORY:
                    chars.extend({C.CATEGORY_DIGIT: "0123456789", C.CATEGORY_WORD: WORD}.get(v, "x"))
                else:
                    return None
            out.append(rng.choice(chars) if chars else "x")
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, sub = av
            if hi == C.MAXREPEAT:
                hi = lo + 8
            elif bounded_extra is not None:
                hi = min(hi, lo + bounded_extra)
            for _ in range(rng.randint(lo, max(lo, hi))):
                s = _emit(sub, rng, bounded_extra)
                if s is None:
                    return None
                out.append(s)
        elif op == C.SUBPATTERN:
            s = _emit(av[-1], rng, bounded_extra)
            if s is None:
                return None
            out.append(s)
        elif op == C.BRANCH:
            s = _emit(rng.choice(av[1]), rng, bounded_extra)
            if s is None:
                return None
            out.append(s)
        elif op == C.ANY:
            out.append(rng.choice("abcdef0123"))
        elif op in (C.AT, C.CATEGORY):
            pass
        else:
            return None
    return "".join(out)
