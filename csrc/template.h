/* template.h — instantiate a per-dtype template body once for float32 and once for float64:
 *     #define FG_TEMPLATE "activation.inc"
 *     #include "template.h"
 * The body sees T (the element type) and NAME(x) (x##_f32 / x##_f64), the convention of every
 * .inc file (dispatch.h); both are undefined again afterwards, as is FG_TEMPLATE.  No include
 * guard: it is included once per template. */
#define T float
#define NAME(x) x##_f32
#include FG_TEMPLATE
#undef T
#undef NAME
#define T double
#define NAME(x) x##_f64
#include FG_TEMPLATE
#undef T
#undef NAME
#undef FG_TEMPLATE
