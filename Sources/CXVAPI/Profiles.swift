import CXVCore

extension ImportAPI {
    /// The profile of this contract; call-lists needs its list and upload settings.
    public func profile(callList: CallListProfile.UploadSettings?) throws(ProfileError) -> any ImportProfile {
        switch self {
        case .contactsImport: return ContactsImportProfile()
        case .callLists:
            guard let callList else { throw ProfileError("call-lists needs a list: set --list-id or CXONE_LIST_ID") }
            return CallListProfile(settings: callList)
        }
    }
}
