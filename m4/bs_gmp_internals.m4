dnl bs_gmp_internals.m4 - detect the GMP internals the mulmod engine
dnl (src/lib/mont.c) can use: __gmpn_redc_1, __gmpn_redc_2, __gmpn_redc_n.
dnl They are undocumented (gmp-impl.h), so each is linked against with our own
dnl prototype and defines HAVE_GMPN_REDC_1/_2/_N only if it links; mont.c
dnl also checks one product against mpz at run time, and its portable REDC
dnl (documented mpn_addmul_1 only) serves when they are absent or disabled:
dnl   ./configure --without-gmp-internals

dnl BS_GMP_CHECK_FN(SUFFIX, PROTOTYPE, CALL)
AC_DEFUN([BS_GMP_CHECK_FN], [
  AC_MSG_CHECKING([for GMP internal __gmpn_redc_$1])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <gmp.h>
$2]], [[mp_limb_t r[16], u[32] = {1}, m[16] = {3}, i[16] = {1};
$3
return (int)r[0];]])],
    [AC_MSG_RESULT([yes])
     AC_DEFINE([HAVE_GMPN_REDC_]m4_toupper([$1]), [1],
       [Define if GMP exports __gmpn_redc_$1 (used by src/lib/mont.c)])
     bs_gmp_internals="$bs_gmp_internals redc_$1"],
    [AC_MSG_RESULT([no])])
])

AC_DEFUN([BS_GMP_INTERNALS], [
AC_ARG_WITH([gmp-internals],
  [AS_HELP_STRING([--without-gmp-internals],
    [do not use GMP's internal mpn_redc_* functions (the mulmod engine then
     uses its portable REDC: slower, same results)])],
  [], [with_gmp_internals=yes])
bs_gmp_internals=
AS_IF([test "x$with_gmp_internals" != xno], [
  bs_save_LIBS=$LIBS
  LIBS="$GMP_LIBS $LIBS"
  BS_GMP_CHECK_FN([1],
    [mp_limb_t __gmpn_redc_1(mp_ptr, mp_ptr, mp_srcptr, mp_size_t, mp_limb_t);],
    [r[0] = __gmpn_redc_1(r, u, m, 16, i[0]);])
  BS_GMP_CHECK_FN([2],
    [mp_limb_t __gmpn_redc_2(mp_ptr, mp_ptr, mp_srcptr, mp_size_t, mp_srcptr);],
    [r[0] = __gmpn_redc_2(r, u, m, 16, i);])
  BS_GMP_CHECK_FN([n],
    [void __gmpn_redc_n(mp_ptr, mp_ptr, mp_srcptr, mp_size_t, mp_srcptr);],
    [__gmpn_redc_n(r, u, m, 16, i);])
  LIBS=$bs_save_LIBS
])
AS_IF([test -z "$bs_gmp_internals"], [bs_gmp_internals=" none (portable REDC)"])
])
