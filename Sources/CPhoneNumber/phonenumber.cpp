#include "cxv_phonenumber.h"
#include "numbering_plans.hpp"

#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/phonenumber.pb.h>

#include <cstring>
#include <string>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

cxv_pn_status written(const std::string &e164, char *out, size_t out_cap) {
    if (e164.size() + 1 > out_cap) {
        return CXV_PN_TOO_LONG;
    }
    std::memcpy(out, e164.c_str(), e164.size() + 1);
    return CXV_PN_OK;
}

}  // namespace

extern "C" cxv_pn_status cxv_pn_normalize_with_library(const char *input, size_t len, const char *region,
                                                       char *out, size_t out_cap, int *is_valid) {
    // GetInstance is a thread-safe singleton; Parse and IsValidNumber are const.
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    const std::string text(input, len);
    const std::string default_region = region ? region : "ZZ";
    switch (util->Parse(text, default_region, &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
        break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
        return CXV_PN_NO_REGION;
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
        return CXV_PN_TOO_SHORT;
    case PhoneNumberUtil::TOO_LONG_NSN:
        return CXV_PN_TOO_LONG;
    default:
        return CXV_PN_NOT_A_NUMBER;
    }
    if (!util->IsPossibleNumber(number)) {
        return CXV_PN_IMPOSSIBLE;
    }
    std::string e164;
    util->Format(number, PhoneNumberUtil::E164, &e164);
    const cxv_pn_status status = written(e164, out, out_cap);
    if (status == CXV_PN_OK && is_valid) {
        *is_valid = util->IsValidNumber(number) ? 1 : 0;
    }
    return status;
}

extern "C" cxv_pn_status cxv_pn_normalize_fast(const char *input, size_t len, const char *region,
                                               char *out, size_t out_cap, int *is_valid) {
    try {
        std::string e164;
        int valid = 0;
        const int status = cxv::fastNormalize(input, len, region, &e164, is_valid ? &valid : nullptr);
        if (status != CXV_PN_OK) {
            return static_cast<cxv_pn_status>(status);
        }
        const cxv_pn_status result = written(e164, out, out_cap);
        if (result == CXV_PN_OK && is_valid) {
            *is_valid = valid;
        }
        return result;
    } catch (const cxv::Declined &) {
        return CXV_PN_NOT_COVERED;
    }
}

extern "C" cxv_pn_status cxv_pn_normalize(const char *input, size_t len, const char *region,
                                          char *out, size_t out_cap, int *is_valid) {
    const cxv_pn_status status = cxv_pn_normalize_fast(input, len, region, out, out_cap, is_valid);
    if (status != CXV_PN_NOT_COVERED) {
        return status;
    }
    return cxv_pn_normalize_with_library(input, len, region, out, out_cap, is_valid);
}

extern "C" int cxv_pn_region_supported(const char *region) {
    // The regions of the metadata, as GetSupportedRegions lists them, without PhoneNumberUtil's start-up.
    return cxv::NumberingPlans::shared().forRegion(region) ? 1 : 0;
}

extern "C" int cxv_pn_example(const char *region, int type, char *number, size_t number_cap, int *country_code,
                              char *national_prefix, size_t prefix_cap) {
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber example;
    if (!util->GetExampleNumberForType(region, static_cast<PhoneNumberUtil::PhoneNumberType>(type), &example)) {
        return 0;
    }
    std::string nsn, prefix;
    util->GetNationalSignificantNumber(example, &nsn);
    util->GetNddPrefixForRegion(region, true, &prefix);
    if (nsn.size() + 1 > number_cap || prefix.size() + 1 > prefix_cap) {
        return 0;
    }
    std::memcpy(number, nsn.c_str(), nsn.size() + 1);
    std::memcpy(national_prefix, prefix.c_str(), prefix.size() + 1);
    *country_code = example.country_code();
    return 1;
}
