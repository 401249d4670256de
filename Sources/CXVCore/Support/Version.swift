/// The one place cxv's version is written.
public enum CXVVersion {
    public static let current = "0.1.0"
}
