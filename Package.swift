// swift-tools-version:6.0
import PackageDescription

// Linux only: the code calls glibc (mallopt, iconv) and Debian's libphonenumber and libxml2.
let package = Package(
    name: "cxv",
    products: [
        .library(name: "CXVCore", targets: ["CXVCore"]),
        .executable(name: "cxv-validate", targets: ["cxv-validate"]),
        .executable(name: "cxv-chunk", targets: ["cxv-chunk"]),
        .executable(name: "cxv-gzip", targets: ["cxv-gzip"]),
        .executable(name: "cxv-report", targets: ["cxv-report"]),
        .executable(name: "cxv-upload", targets: ["cxv-upload"]),
        .executable(name: "cxv-poll", targets: ["cxv-poll"]),
        .executable(name: "cxv-sandbox", targets: ["cxv-sandbox"]),
        .executable(name: "cxv", targets: ["cxv"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Not "CZlib": ZIPFoundation defines a clang module of that name on Linux, and two would clash.
        .systemLibrary(
            name: "CXVZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Whole-buffer deflate, about twice zlib's speed at the same level: a chunk is one buffer.
        .systemLibrary(
            name: "CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .systemLibrary(name: "CMalloc"),
        // SAX2 push parsing of workbook parts, a chunk at a time, for the .xlsx reader.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "CPhoneNumber",
            linkerSettings: [.linkedLibrary("phonenumber"), .linkedLibrary("protobuf")]
        ),
        // The record stream and the stages after validation: byte I/O, JSON, chunking, gzip, reports.
        .target(
            name: "CXVCore",
            dependencies: [
                "CXVZlib",
                "CDeflate",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Exclusivity is checked statically and in debug builds (every test run);
            // at run time in release it cost cxv-chunk a third of its time.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // The input readers: bytes in any encoding, and Excel workbooks, to UTF-8 rows behind one RowSource.
        .target(
            name: "CXVInput",
            dependencies: ["CXVCore", "CLibXML2", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // cxv-validate's engine: header binding, phone and email rules, dedupe, suppression.
        // The one module that links libphonenumber.
        .target(
            name: "CXVValidate",
            dependencies: ["CXVCore", "CXVInput", "CPhoneNumber"],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Option groups and exit-status plumbing shared by every command.
        .target(
            name: "CXVCLI",
            dependencies: [
                "CXVCore",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The two import contracts, one profile each: requests, answers, sign-in, discovery.
        // No HTTP stack: the client (CXVNet) and the sandbox (CXVSandbox) both speak through it.
        .target(name: "CXVAPI", dependencies: ["CXVCore"]),
        // The import API client: token, retry, upload, poll. The offline tools do not link it.
        .target(
            name: "CXVNet",
            dependencies: [
                "CXVCore",
                "CXVAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The options of the network stages (API address, credentials, retries).
        .target(
            name: "CXVNetCLI",
            dependencies: [
                "CXVCLI",
                "CXVNet",
                "CXVAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The local implementation of the import API that cxv-sandbox serves.
        .target(
            name: "CXVSandbox",
            dependencies: [
                "CXVCore",
                "CXVAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Each tool's command, a library so that its own executable and the multi-call cxv
        // (the .deb's one program) both run it.
        .target(name: "CXVValidateCommand", dependencies: ["CXVCLI", "CXVInput", "CXVValidate"]),
        .target(name: "CXVChunkCommand", dependencies: ["CXVCLI"]),
        .target(name: "CXVGzipCommand", dependencies: ["CXVCLI"]),
        .target(name: "CXVReportCommand", dependencies: ["CXVCLI"]),
        .target(name: "CXVUploadCommand", dependencies: ["CXVNetCLI"]),
        .target(name: "CXVPollCommand", dependencies: ["CXVNetCLI"]),
        .target(name: "CXVSandboxCommand", dependencies: ["CXVCLI", "CXVSandbox"]),
        .executableTarget(name: "cxv-validate", dependencies: ["CXVValidateCommand"]),
        .executableTarget(name: "cxv-chunk", dependencies: ["CXVChunkCommand"]),
        .executableTarget(name: "cxv-gzip", dependencies: ["CXVGzipCommand"]),
        .executableTarget(name: "cxv-report", dependencies: ["CXVReportCommand"]),
        .executableTarget(name: "cxv-upload", dependencies: ["CXVUploadCommand"]),
        .executableTarget(name: "cxv-poll", dependencies: ["CXVPollCommand"]),
        .executableTarget(name: "cxv-sandbox", dependencies: ["CXVSandboxCommand"]),
        .executableTarget(
            name: "cxv",
            dependencies: [
                "CXVChunkCommand", "CXVGzipCommand", "CXVReportCommand",
                "CXVUploadCommand", "CXVPollCommand", "CXVSandboxCommand",
            ]
        ),
        .testTarget(name: "CXVCoreTests", dependencies: ["CXVCore", "CXVInput", "CXVValidate", "CPhoneNumber",
                                                  .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "CXVNetTests", dependencies: ["CXVNet", "CXVAPI"]),
        .testTarget(name: "CXVSandboxTests", dependencies: ["CXVSandbox", "CXVCore", "CXVInput", "CXVValidate", "CXVNet", "CXVAPI"]),
        .testTarget(name: "CLITests", dependencies: ["CXVCore"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets, only for `make fuzz` (CXV_FUZZ=1): libFuzzer supplies their main.
if Context.environment["CXV_FUZZ"] != nil {
    for name in ["fuzz-csv", "fuzz-ndjson", "fuzz-xlsx"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["CXVCore", "CXVInput", "CXVValidate"], path: "Fuzz/\(name)",
                                                 swiftSettings: [.unsafeFlags(["-parse-as-library", "-sanitize=fuzzer,address"])],
                                                 linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]))
    }
}
