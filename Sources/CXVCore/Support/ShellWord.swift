/// A name (a header, a sheet) as it must be typed in an option a message suggests.
public enum ShellWord {
    /// Bare when the shell takes it as one word, else in single quotes.
    public static func quoted(_ name: String) -> String {
        let bare = !name.isEmpty && name.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || "_-.".unicodeScalars.contains($0)
        }
        return bare ? name : "'" + name.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
    }
}
