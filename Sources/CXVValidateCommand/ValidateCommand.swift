import ArgumentParser
import CXVCLI
import CXVCore
import CXVInput
import CXVValidate
import Foundation

public struct ValidateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cxv-validate",
        abstract: "Read contacts from CSV, NDJSON or an Excel workbook and write contact and reject records.",
        discussion: """
        Every input row becomes exactly one record: a `contact` ready to chunk, or a \
        `reject` naming its line, each problem (field, code, message) and the row as read. \
        The last record is a `tally` with the control totals. Header names are matched \
        loosely ("Phone Number", "phone", "Contact Phone Number", "Mobile" all read as \
        phone_number; "Given Name" and "Surname" as first_name and last_name); other columns \
        are kept under `extra`. Two columns that both read as one field are an error naming \
        the --map that picks one.

        A contact may carry an external_id, the key of a CXone calling list (cxv-chunk --api \
        call-lists): from the column --map external_id=COLUMN names, else one headed like \
        "external_id", "External ID", "ext_id", "Account ID" or "Customer ID" (never a bare "id", which \
        is too often a row number). It is written as the contact's "external_id" after the \
        other fields, and left out when empty; --require external_id rejects contacts without one.

        Every phone number gets libphonenumber's answer: international formats \
        (+44 20 7946 0958, 011 44 20 7946 0958 with --region US) always, national ones with \
        --region; a national prefix typed after the country code (+44 (0)20…) is dropped, \
        letters read as on a keypad (1-800-FLOWERS) and an extension left off.

        An Excel workbook (.xlsx) is read as its cells show: a phone stored as a number is its \
        digits, TRUE and FALSE are words, a date is its serial number; the line of a row is its \
        row number in the sheet. --delimiter and --encoding apply to text files only.

        Exit status: 0 when every row is a contact, 1 when some were rejected, 65 for \
        unreadable input (e.g. no phone column), 66 when a file is missing.
        """,
        version: CXVVersion.current
    )

    @Option(help: "Input format; auto reads .xlsx (or any zip) as a workbook, .ndjson/.jsonl as NDJSON, .csv as CSV, and otherwise looks at the first byte.")
    var inputFormat: InputFormat = .auto

    @Option(help: ArgumentHelp("The sheet of a workbook to read. Unset: the first sheet whose first row names a phone column (--log-level info says which).", valueName: "name"))
    var sheet: String?

    @Option(help: ArgumentHelp("CSV field delimiter: one character, or 'tab'. Unset: the one of , ; tab | that splits the first lines evenly (--log-level info says which).", valueName: "char"))
    var delimiter: String?

    @Option(help: ArgumentHelp("Read the input as this encoding (windows-1252, iso-8859-1, iso-8859-15, or any iconv name). Unset: UTF-8, or UTF-16 when the file starts with its BOM.", valueName: "name"))
    var encoding: String?

    @Option(help: ArgumentHelp("""
        Read FIELD from the column named HEADER (repeatable), e.g. --map phone_number=Mobile or \
        --map external_id=CustomerNo. FIELD is phone_number, first_name, last_name, email or external_id.
        """, valueName: "field=header"))
    var map: [String] = []

    @Option(help: ArgumentHelp("Fields that must not be empty, comma-separated (of first_name, last_name, email, external_id), or 'none'; phone_number is always required.", valueName: "fields"))
    var require = "first_name,last_name"

    @Option(help: ArgumentHelp("Read national numbers as this country's (ISO 3166 code, e.g. US).", valueName: "code"))
    var region: String?

    @Flag(help: "Reject numbers that are not valid for their country (libphonenumber's IsValidNumber: its number patterns).")
    var strict = false

    @Flag(help: "Reject later rows whose normalised number repeats an earlier one, naming the first line.")
    var dedupe = false

    @Flag(help: """
        Give each contact its row as read ('record'), which its chunk carries on, so that \
        cxv-report --imported and --rejects give every row back exactly as it was read. It \
        doubles the stream's size; without it they give a contact's columns as sent.
        """)
    var keepRows = false

    @Option(help: ArgumentHelp("Reject numbers on this do-not-call list (one number a line, '#' comments).", valueName: "file"),
            completion: .file())
    var suppress: String?

    @Option(help: ArgumentHelp("Validate on this many threads (default: the number of cores).", valueName: "n"))
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Reject rows longer than this many bytes.", valueName: "bytes"))
    var maxRowBytes = 1 << 20

    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("Files to read, in order; stdin when none or '-'. With several, records name their file.", valueName: "file"),
              completion: .file())
    var inputs: [String] = []

    public init() {}

    public func validate() throws {
        _ = try delimiterByte()
        _ = try requiredFields()
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxRowBytes >= 1024 else { throw ValidationError("--max-row-bytes must be at least 1024") }
    }

    func delimiterByte() throws -> UInt8? {
        guard let delimiter else { return nil }
        if delimiter == "tab" || delimiter == "\\t" { return UInt8(ascii: "\t") }
        guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte != UInt8(ascii: "\""),
              byte != 0x0A, byte != 0x0D else {
            throw ValidationError("--delimiter must be one ASCII character other than a quote or newline, or 'tab'")
        }
        return byte
    }

    func requiredFields() throws -> Set<ContactField> {
        if require == "none" || require.isEmpty { return [] }
        return Set(try require.split(separator: ",").map { name in
            guard let field = ContactField(name: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--require: unknown field \(name); use \(ContactField.allCases.map(\.name).joined(separator: ", "))")
            }
            return field
        })
    }

    public func run() throws {
        let diagnostics = output.diagnostics(tool: "cxv-validate")
        try runStage(diagnostics) {
            let phone = try PhoneNormalizer(region: region, strict: strict)
            var options = ValidateOptions(rules: ValidationRules(required: try requiredFields(), phone: phone))
            options.reading.format = inputFormat
            options.reading.delimiter = try delimiterByte()
            options.reading.encoding = encoding
            options.reading.sheet = sheet
            options.overrides = try HeaderMap.parseOverrides(map)
            options.dedupe = dedupe
            options.keepRows = keepRows
            options.suppressPath = suppress
            options.jobs = jobs
            options.reading.maxRowBytes = maxRowBytes
            let sink = try output.sink()
            let run = try ValidateRun(options: options, output: sink, warn: diagnostics.warn, info: diagnostics.info)
            let meter = diagnostics.progress(ValidateTally()) {
                [.init("read", $0.read), .init("contacts", $0.contacts), .init("rejected", $0.rejects, alert: true)]
            }
            defer { meter?.finish() }
            run.progress = meter?.observer
            try run.run(inputs: inputs)
            try sink.commit()
            return run.tally.rejects > 0 ? .someRejected : .ok
        }
    }
}

extension InputFormat: ExpressibleByArgument {}
