// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cxv",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CXVCore", targets: ["CXVCore"]),
        .executable(name: "cxv-validate", targets: ["cxv-validate"]),
        .executable(name: "cxv-chunk", targets: ["cxv-chunk"]),
        .executable(name: "cxv-gzip", targets: ["cxv-gzip"]),
        .executable(name: "cxv-report", targets: ["cxv-report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "CPhoneNumber",
            linkerSettings: [.linkedLibrary("phonenumber")]
        ),
        .target(
            name: "CXVCore",
            dependencies: [
                "CZlib",
                "CPhoneNumber",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Exclusivity is checked statically and in debug builds (every test run);
            // at run time in release it cost cxv-chunk a third of its time.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Option groups and exit-status plumbing shared by every command.
        .target(
            name: "CXVCLI",
            dependencies: [
                "CXVCore",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "cxv-validate", dependencies: ["CXVCLI"]),
        .executableTarget(name: "cxv-chunk", dependencies: ["CXVCLI"]),
        .executableTarget(name: "cxv-gzip", dependencies: ["CXVCLI"]),
        .executableTarget(name: "cxv-report", dependencies: ["CXVCLI"]),
        .testTarget(name: "CXVCoreTests", dependencies: ["CXVCore"]),
        .testTarget(name: "CLITests", dependencies: ["CXVCore"]),
    ],
    swiftLanguageModes: [.v6]
)
