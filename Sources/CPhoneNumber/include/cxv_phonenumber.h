#ifndef CXV_PHONENUMBER_H
#define CXV_PHONENUMBER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of cxv_pn_normalize.
typedef enum {
    CXV_PN_OK = 0,            /* parsed; E.164 written to out */
    CXV_PN_NOT_A_NUMBER = 1,  /* libphonenumber could not parse it */
    CXV_PN_NO_REGION = 2,     /* national format and no (known) default region */
    CXV_PN_TOO_SHORT = 3,
    CXV_PN_TOO_LONG = 4,
    CXV_PN_IMPOSSIBLE = 5,    /* parsed, but no number of its country has that length */
    CXV_PN_NOT_COVERED = 6,   /* cxv_pn_normalize_fast only: a shape it leaves to libphonenumber */
} cxv_pn_status;

/// Parses `len` bytes of UTF-8 at `input` as a phone number, national formats read
/// in `region` (ISO 3166 alpha-2, or NULL for none), and writes its E.164 form,
/// NUL-terminated, into `out` (at least 20 bytes). `*is_valid` is set to whether
/// the number is valid for its country; pass NULL to skip that check. The answer is
/// libphonenumber's Parse, IsPossibleNumber and IsValidNumber: from the fast path when
/// it covers the input, from the library otherwise. Thread-safe.
cxv_pn_status cxv_pn_normalize(const char *input, size_t len, const char *region,
                               char *out, size_t out_cap, int *is_valid);

/// The fast path alone (libphonenumber's metadata, its patterns matched without ICU):
/// CXV_PN_NOT_COVERED for a shape it leaves to the library. Digits, a leading + and
/// - . ( ) / and space are covered.
cxv_pn_status cxv_pn_normalize_fast(const char *input, size_t len, const char *region,
                                    char *out, size_t out_cap, int *is_valid);

/// libphonenumber alone (about 15 µs a number): the reference the fast path is held to.
cxv_pn_status cxv_pn_normalize_with_library(const char *input, size_t len, const char *region,
                                            char *out, size_t out_cap, int *is_valid);

/// 1 when libphonenumber knows `region` (e.g. "US"), 0 otherwise.
int cxv_pn_region_supported(const char *region);

/// libphonenumber's example number of `type` (its PhoneNumberType: 0 fixed line, 1 mobile,
/// 2 either, 3 toll free, …) for `region`: the national significant number, the country
/// calling code and the region's national prefix (may be empty). 0 when it has none.
/// The differential test builds its corpus from these.
int cxv_pn_example(const char *region, int type, char *number, size_t number_cap, int *country_code,
                   char *national_prefix, size_t prefix_cap);

#ifdef __cplusplus
}
#endif

#endif
