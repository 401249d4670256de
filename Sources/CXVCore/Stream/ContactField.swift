/// The contact fields cxv knows, in the order a contact record writes them. Not a chunk's
/// header: that is its API's (`ImportAPI.columns`), and contacts-import has no external_id.
public enum ContactField: Int, CaseIterable, Sendable {
    case phoneNumber, firstName, lastName, email
    /// A calling list's key for the contact (`--api call-lists`).
    case externalID

    public var name: String {
        switch self {
        case .phoneNumber: return "phone_number"
        case .firstName: return "first_name"
        case .lastName: return "last_name"
        case .email: return "email"
        case .externalID: return "external_id"
        }
    }

    public init?(name: String) {
        guard let field = ContactField.allCases.first(where: { $0.name == name }) else { return nil }
        self = field
    }
}
