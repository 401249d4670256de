#include "cxv_phonenumber.h"

#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/phonenumber.pb.h>

#include <cstring>
#include <set>
#include <string>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

extern "C" cxv_pn_status cxv_pn_normalize(const char *input, size_t len, const char *region,
                                          char *out, size_t out_cap, int *is_valid) {
    // is_valid NULL: the caller does not ask (no --strict), so IsValidNumber's pattern matching is skipped.
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
    if (e164.size() + 1 > out_cap) {
        return CXV_PN_TOO_LONG;
    }
    std::memcpy(out, e164.c_str(), e164.size() + 1);
    if (is_valid) {
        *is_valid = util->IsValidNumber(number) ? 1 : 0;
    }
    return CXV_PN_OK;
}

extern "C" int cxv_pn_region_supported(const char *region) {
    std::set<std::string> regions;
    PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
    return regions.count(region) ? 1 : 0;
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
