// swift-tools-version:6.0
//
// mptcp-exporter: see inside Multipath TCP on Linux.
//
// Layout (one concept per folder):
//   CMNL              libmnl, wrapped as a system library (pkg-config libmnl, apt libmnl-dev)
//   CZlib             zlib, for gzip-compressed scrapes (apt zlib1g-dev)
//   CCrypt            libcrypt, bcrypt of the basic-auth users (apt libcrypt-dev)
//   MPTCPCore         pure core: parsers, counter catalogue, Case diagrams, exposition renderer
//   MPTCPKernel       the thin layer that talks to the kernel (files under procfs, netlink)
//   MPTCPCollectors   collectors: kernel layer in, typed metric families out
//   MPTCPServer       the HTTP endpoint (SwiftNIO)
//   MPTCPTerminal     mptcp-top: state, frame rendering, the terminal
//   MPTCPCommandLine  options mptcp-exporter and mptcp-top share (--events, --netns)
//   MPTCPExporterCLI  command-line front end (swift-argument-parser, swift-service-lifecycle)
//   mptcp-exporter    the executable
//   mptcp-loadgen     MPTCP traffic driver used by the test suite and the benchmarks
//   mptcp-fuzz        fuzz targets: libFuzzer entry points (scripts/fuzz.sh), else a corpus replayer
import PackageDescription

let package = Package(
    name: "mptcp-exporter",
    // Linux is the target; the macOS floor only gates the availability of async main and Mutex.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mptcp-exporter", targets: ["mptcp-exporter"]),
        .executable(name: "mptcp-top", targets: ["mptcp-top"]),
        .executable(name: "mptcp-loadgen", targets: ["mptcp-loadgen"]),
        .library(name: "MPTCPCore", targets: ["MPTCPCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // TLS for --web.config.file.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        // Tests only: parsing the Kubernetes and rule YAML files.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CMNL",
            pkgConfig: "libmnl",
            providers: [.apt(["libmnl-dev"])]
        ),
        .systemLibrary(
            name: "CCrypt",
            pkgConfig: "libcrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "MPTCPCore"),
        .target(
            name: "MPTCPKernel",
            dependencies: ["MPTCPCore", "CMNL"]
        ),
        .target(
            name: "MPTCPCollectors",
            dependencies: [
                "MPTCPCore", "MPTCPKernel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MPTCPServer",
            dependencies: [
                // MPTCPKernel for InputFile only: configuration files read with errors that name them.
                // No MPTCPCollectors: what /metrics and /api/v1/snapshot serve is given as closures.
                "MPTCPCore", "MPTCPKernel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "CZlib", "CCrypt",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "MPTCPTerminal",
            dependencies: ["MPTCPCore"]
        ),
        .target(
            // What mptcp-exporter and mptcp-top both take on the command line
            // (--events, --netns), without the server: mptcp-top links no NIO.
            name: "MPTCPCommandLine",
            dependencies: [
                "MPTCPCore", "MPTCPKernel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "MPTCPExporterCLI",
            dependencies: [
                "MPTCPCore", "MPTCPKernel", "MPTCPCollectors", "MPTCPServer", "MPTCPCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "mptcp-exporter",
            dependencies: ["MPTCPExporterCLI", "MPTCPKernel"],
            exclude: ["symbol-order.txt"],
            // Release builds link with lld: the functions of a start and a
            // first scrape placed together (symbol-order.txt, made by
            // scripts/symbol-order.sh) and relative relocations packed
            // (DT_RELR, glibc 2.36), so that starting touches fewer pages of
            // the binary: idle RSS about 20 -> 19 MiB (BENCHMARKS.md).
            linkerSettings: [.unsafeFlags([
                "-use-ld=lld",
                "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/mptcp-exporter/symbol-order.txt",
                "-Xlinker", "--no-warn-symbol-ordering",
            ], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "mptcp-fuzz",
            dependencies: [
                "MPTCPCore", "MPTCPServer", "MPTCPCollectors", "MPTCPTerminal",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "mptcp-top",
            dependencies: [
                "MPTCPCore", "MPTCPTerminal", "MPTCPKernel", "MPTCPCollectors", "MPTCPCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "mptcp-loadgen",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            // Test doubles of the kernel layer: kept out of the shipped modules.
            name: "MPTCPKernelTesting",
            dependencies: ["MPTCPCore", "MPTCPKernel"],
            path: "Tests/MPTCPKernelTesting"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["MPTCPCore"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "MPTCPCoreTests",
            dependencies: ["MPTCPCore", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MPTCPCollectorsTests",
            dependencies: ["MPTCPCore", "MPTCPCollectors", "MPTCPKernel", "MPTCPKernelTesting", "TestSupport"]
        ),
        .testTarget(
            name: "MPTCPServerTests",
            dependencies: ["MPTCPServer", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "MPTCPTerminalTests",
            dependencies: ["MPTCPCore", "MPTCPTerminal"],
            resources: [.copy("Golden")]
        ),
        .testTarget(
            name: "MPTCPEndToEndTests",
            dependencies: ["MPTCPCore", "TestSupport", "mptcp-exporter", "mptcp-loadgen", "mptcp-top", "mptcp-fuzz", "CZlib", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Golden")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
