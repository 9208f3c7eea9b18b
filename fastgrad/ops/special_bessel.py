"""Modified Bessel functions on arrays (numpy, float64, rounded once to the operand's dtype): i0e, i1,
i1e (with torch's derivatives), and K0, K1 and their exponentially scaled forms (no gradients, as
torch), by Cephes' Chebyshev expansions (the coefficients of torch's kernels, ATen/native/Math.h)."""
import numpy as np

from fastgrad.autograd.function import Function, register

__all__ = ["I0e", "I1", "I1e", "i0e", "i1", "i1e", "k0e", "k1e", "k0", "k1"]

# Chebyshev coefficients of exp(-x) I0(x) on [0, 8] (A) and of exp(-x) sqrt(x) I0(x) on (8, inf) (B)
_I0E_A = np.array([
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
    9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
    1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
    -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
    1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
    -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
    1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1])
_I0E_B = np.array([
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
    7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
    3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
    2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
    8.04490411014108831608E-1])
# the same for exp(-x) I1(x) / x on [0, 8] and exp(-x) sqrt(x) I1(x) on (8, inf)
_I1E_A = np.array([
    2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
    -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
    3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
    -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
    9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
    -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
    4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
    -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
    2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
    -1.76416518357834055153E-1, 2.52587186443633654823E-1])
_I1E_B = np.array([
    7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
    -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
    -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
    4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
    -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
    3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
    -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
    -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
    7.78576235018280120474E-1])

# K0 - (-log(x / 2) I0(x)) on [0, 2] (A) and exp(x) sqrt(x) K0(x) on (2, inf) (B); the same for K1
_K0_A = np.array([
    1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11,
    1.90451637722020886025e-09, 2.53479107902614945675e-07, 2.28621210311945178607e-05,
    1.26461541144692592338e-03, 3.59799365153615016266e-02, 3.44289899924628486886e-01,
    -5.35327393233902768720e-01])
_K0_B = np.array([
    5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17,
    -1.67823109680541210385e-16, 5.51205597852431940784e-16, -1.84859337734377901440e-15,
    6.34007647740507060557e-15, -2.22751332699166985548e-14, 8.03289077536357521100e-14,
    -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,
    1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10,
    -1.69753450938905987466e-09, 8.57403401741422608519e-09, -4.66048989768794782956e-08,
    2.76681363944501510342e-07, -1.83175552271911948767e-06, 1.39498137188764993662e-05,
    -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,
    2.44030308206595545468e+00])
_K1_A = np.array([
    -7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13,
    -1.41148839263352776110e-10, -2.21338763073472585583e-08, -2.43340614156596823496e-06,
    -1.73028895751305206302e-04, -6.97572385963986435018e-03, -1.22611180822657148235e-01,
    -3.53155960776544875667e-01, 1.52530022733894777053e+00])
_K1_B = np.array([
    -5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17,
    1.83809354436663880070e-16, -6.05704724837331885336e-16, 2.03870316562433424052e-15,
    -7.01983709041831346144e-15, 2.47715442448130437068e-14, -8.97670518232499435011e-14,
    3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,
    -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10,
    2.01504975519703286596e-09, -1.03457624656780970260e-08, 5.74108412545004946722e-08,
    -3.50196060308781257119e-07, 2.40648494783721712015e-06, -1.93619797416608296024e-05,
    1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,
    2.72062619048444266945e+00])


def _chbevl(x, coef):
    """sum' c_k T_k(x / 2) by Clenshaw's recurrence (Cephes chbevl)."""
    b0, b1, b2 = np.full(x.shape, coef[0]), np.zeros(x.shape), np.zeros(x.shape)
    for c in coef[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _scaled(x, a, b, times_x):
    """exp(-|x|) I_n(|x|) from the two expansions (times |x| below 8 for n = 1)."""
    ax = np.abs(np.asarray(x, np.float64))
    small = ax <= 8
    with np.errstate(all="ignore"):
        lo = _chbevl(ax / 2 - 2, a) * (ax if times_x else 1.0)
        hi = _chbevl(32 / ax - 2, b) / np.sqrt(ax)
    return np.where(small, lo, hi)


def i0e(x):
    """exp(-|x|) I0(x) in float64."""
    return _scaled(x, _I0E_A, _I0E_B, False)


def i1e(x):
    """exp(-|x|) I1(x) in float64 (odd)."""
    x = np.asarray(x, np.float64)
    return np.sign(x) * _scaled(x, _I1E_A, _I1E_B, True) + np.where(np.isnan(x), np.nan, 0.0)


def i1(x):
    """I1(x) in float64 (odd; +-inf from |x| ~ 713)."""
    x = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):
        return np.exp(np.abs(x)) * i1e(x)


def _k_scaled(x, order):
    """exp(x) K_order(x) in float64: inf at 0, NaN for x < 0."""
    x = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):
        if order == 0:
            lo = _chbevl(x * x - 2, _K0_A) - np.log(0.5 * x) * np.exp(x) * i0e(x)
            hi = _chbevl(8 / x - 2, _K0_B) / np.sqrt(x)
        else:
            lo = np.log(0.5 * x) * np.exp(x) * i1e(x) + _chbevl(x * x - 2, _K1_A) / x
            hi = _chbevl(8 / x - 2, _K1_B) / np.sqrt(x)
        out = np.where(x <= 2, lo * np.exp(x), hi)
    return np.where(x == 0, np.inf, np.where(x < 0, np.nan, out))


def k0e(x):
    """exp(x) K0(x), the scaled modified Bessel function of the second kind of order 0."""
    return _k_scaled(x, 0)


def k1e(x):
    """exp(x) K1(x), the scaled modified Bessel function of the second kind of order 1."""
    return _k_scaled(x, 1)


def k0(x):
    """K0(x) (0 at +inf)."""
    with np.errstate(all="ignore"):
        return np.exp(-np.asarray(x, np.float64)) * k0e(x)


def k1(x):
    """K1(x) (0 at +inf)."""
    with np.errstate(all="ignore"):
        return np.exp(-np.asarray(x, np.float64)) * k1e(x)


def _out(v, like):
    return np.asarray(np.asarray(v).astype(like.dtype), order="C")


def _safe(x):
    """x with |x| <= eps replaced by eps (torch's i1 / i1e backward), and the mask of those."""
    eps = np.finfo(x.dtype).eps
    tiny = np.abs(x) <= eps
    return np.where(tiny, eps, x).astype(np.float64), tiny


@register("i0e")
class I0e(Function):
    """y = exp(-|x|) I0(x).  dx = dy (i1e(x) - sgn(x) y)."""

    @classmethod
    def forward(cls, ctx, x):
        y = i0e(x)
        ctx.saved = (x, y)
        return _out(y, x)

    @classmethod
    def backward(cls, ctx, dy):
        x, y = ctx.saved
        with np.errstate(all="ignore"):
            return _out(dy * (i1e(x) - np.sign(x) * y), x)


@register("i1")
class I1(Function):
    """y = I1(x).  dx = dy (I0(x) - y / x), 0.5 dy at |x| <= eps (torch's formula)."""

    @classmethod
    def forward(cls, ctx, x):
        with np.errstate(all="ignore"):
            y = _out(i1(x), x)
        ctx.saved = (x, y)
        return y

    @classmethod
    def backward(cls, ctx, dy):
        x, y = ctx.saved
        s, tiny = _safe(x)
        with np.errstate(all="ignore"):
            g = np.exp(np.abs(s)) * i0e(s) - y / s
        return _out(dy * np.where(tiny, 0.5, g), x)


@register("i1e")
class I1e(Function):
    """y = exp(-|x|) I1(x).  dx = dy (i0e(x) - y (sgn(x) + 1 / x)), 0.5 dy at |x| <= eps."""

    @classmethod
    def forward(cls, ctx, x):
        y = _out(i1e(x), x)
        ctx.saved = (x, y)
        return y

    @classmethod
    def backward(cls, ctx, dy):
        x, y = ctx.saved
        s, tiny = _safe(x)
        with np.errstate(all="ignore"):
            g = i0e(s) - y * (np.sign(s) + 1 / s)
        return _out(dy * np.where(tiny, 0.5, g), x)
