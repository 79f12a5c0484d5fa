// swift-tools-version:6.0
//
// mptcp-exporter: see inside Multipath TCP on Linux.
//
// Layout: one concept per folder. scripts/layout.sh makes README's Layout
// from these lines and the types each folder declares (a test keeps the two
// in step, and fails on a folder without a line here).
//   CMNL                        libmnl, wrapped as a system library (pkg-config libmnl, apt libmnl-dev)
//   CZlib                       zlib, for gzip-compressed scrapes (apt zlib1g-dev)
//   CCrypt                      libcrypt, bcrypt of the basic-auth users (apt libcrypt-dev)
//   MPTCPWire                   pure core, wire: bytes from the kernel and from strangers, decoded by length, every length checked
//   MPTCPWire/Netlink           netlink messages and attributes (fixed-size accessors, sticky errors), the answer to a request, errno names, rtnetlink route requests
//   MPTCPWire/SockDiag          sock_diag requests and answers: inet_diag_msg, mptcp_info and tcp_info (one table of offsets each), the subflow context
//   MPTCPWire/Netstat           /proc/net/netstat and snmp, by header name, on any kernel
//   MPTCPWire/PathManager       the mptcp_pm generic netlink family: endpoints, limits, events and their log; the MPTCP sysctls
//   MPTCPWire/Interfaces        interface names and addresses, to say which path a subflow takes
//   MPTCPWire/Archive           tar, the container of snapshot archives
//   MPTCPWire/Cgroup            /proc/PID/cgroup: container runtime and id, Kubernetes pod and QoS class, systemd unit
//   MPTCPWire/SocketOptions     getsockopt(SOL_MPTCP) about one's own socket: MPTCP_FULL_INFO, or MPTCP_INFO, MPTCP_TCPINFO and MPTCP_SUBFLOW_ADDRS
//   MPTCPModel                  pure core, model: the typed state one reading gives, and its metric families
//   MPTCPModel/Counters         the counter catalogue (the one table of counters, roles and Case diagrams) and series names
//   MPTCPModel/Connections      connections and subflows joined from the dumps, their typed words (enums inside, strings at the edges), per-interface bytes, their series
//   MPTCPModel/PathManager      endpoints, limits, sysctls and events as series
//   MPTCPModel/Ledger           the subflow ledger: destroy notifications and events queued for a scrape, each connection's life, its histograms and the recently closed
//   MPTCPModel/Live             the view model of /api/v1/snapshot and mptcp-top, and its JSON
//   MPTCPModel/Report           the report: host snapshot, findings, archive format
//   MPTCPModel/Probe            the MPTCP probe: targets and the allow-list, modules, what a probe saw, its verdict and series
//   MPTCPPresentation           pure core, presentation: exposition text, diagrams and connections as text, HTML escaping
//   MPTCPPresentation/Report    the report as text, Markdown and HTML (SVG diagrams)
//   MPTCPKernel                 the thin layer that reads the kernel: one reader per namespace, procfs files, netlink sockets (libmnl), files a user names
//   MPTCPCollectors             collectors (mappings of one reading into metric families), the runner that gives every read a deadline
//   MPTCPServer                 the HTTP endpoint (SwiftNIO), given what it serves as closures: routes, limits, TLS, basic authentication
//   MPTCPTerminal               mptcp-top: state (keys, sort, filter, rates), frame rendering (pure), the terminal
//   MPTCPCommandLine            options mptcp-exporter and mptcp-top share (--events, --netns): mptcp-top links no SwiftNIO, TLS, zlib or libcrypt
//   MPTCPExporterCLI            command-line front end (swift-argument-parser, swift-service-lifecycle)
//   mptcp-exporter              the executable; symbol-order.txt orders the functions of a start for the release link (scripts/symbol-order.sh)
//   mptcp-top                   the live terminal view: local reading or a remote exporter's /api/v1/snapshot
//   mptcp-loadgen               MPTCP traffic driver used by the test suite and the benchmarks
//   mptcp-fuzz                  fuzz targets: libFuzzer entry points (scripts/fuzz.sh), else a corpus replayer; seeds in Tests/FuzzCorpus
//   Tests/MPTCPKernelTesting    test doubles of the kernel layer (recorded answers, injected faults): a test target, never shipped
//   Tests/TestSupport           reusable test parts: namespaces and veth links, process runner, readers of nstat, ss and ip mptcp output, exporter and Prometheus launchers
import PackageDescription

let package = Package(
    name: "mptcp-exporter",
    // Linux is the target; the macOS floor only gates the availability of async main and Mutex.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mptcp-exporter", targets: ["mptcp-exporter"]),
        .executable(name: "mptcp-top", targets: ["mptcp-top"]),
        .executable(name: "mptcp-loadgen", targets: ["mptcp-loadgen"]),
        .library(name: "MPTCPCore", targets: ["MPTCPWire", "MPTCPModel", "MPTCPPresentation"]),
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
        // The pure core, by concern: bytes in (wire), typed state (model), text out (presentation).
        .target(name: "MPTCPWire"),
        .target(name: "MPTCPModel", dependencies: ["MPTCPWire"]),
        .target(name: "MPTCPPresentation", dependencies: ["MPTCPWire", "MPTCPModel"]),
        .target(
            name: "MPTCPKernel",
            dependencies: ["MPTCPWire", "MPTCPModel", "CMNL"]
        ),
        .target(
            name: "MPTCPCollectors",
            dependencies: [
                "MPTCPWire", "MPTCPModel", "MPTCPKernel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MPTCPServer",
            dependencies: [
                // MPTCPKernel for InputFile only: configuration files read with errors that name them.
                // No MPTCPCollectors: what /metrics and /api/v1/snapshot serve is given as closures.
                "MPTCPWire", "MPTCPModel", "MPTCPPresentation", "MPTCPKernel",
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
            dependencies: ["MPTCPWire", "MPTCPModel"]
        ),
        .target(
            // What mptcp-exporter and mptcp-top both take on the command line
            // (--events, --netns), without the server: mptcp-top links no NIO.
            name: "MPTCPCommandLine",
            dependencies: [
                "MPTCPKernel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "MPTCPExporterCLI",
            dependencies: [
                "MPTCPWire", "MPTCPModel", "MPTCPPresentation", "MPTCPKernel", "MPTCPCollectors", "MPTCPServer", "MPTCPCommandLine",
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
                "MPTCPWire", "MPTCPModel", "MPTCPPresentation", "MPTCPServer", "MPTCPCollectors", "MPTCPTerminal",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "mptcp-top",
            dependencies: [
                "MPTCPWire", "MPTCPModel", "MPTCPTerminal", "MPTCPKernel", "MPTCPCollectors", "MPTCPCommandLine",
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
            dependencies: ["MPTCPWire", "MPTCPKernel"],
            path: "Tests/MPTCPKernelTesting"
        ),
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "MPTCPCoreTests",
            dependencies: ["MPTCPWire", "MPTCPModel", "MPTCPPresentation", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MPTCPCollectorsTests",
            dependencies: ["MPTCPWire", "MPTCPModel", "MPTCPCollectors", "MPTCPKernel", "MPTCPKernelTesting", "TestSupport"]
        ),
        .testTarget(
            name: "MPTCPServerTests",
            dependencies: ["MPTCPServer", "MPTCPModel", "MPTCPWire", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "MPTCPTerminalTests",
            dependencies: ["MPTCPModel", "MPTCPTerminal"],
            resources: [.copy("Golden")]
        ),
        .testTarget(
            name: "MPTCPEndToEndTests",
            dependencies: ["MPTCPModel", "TestSupport", "mptcp-exporter", "mptcp-loadgen", "mptcp-top", "mptcp-fuzz", "CZlib", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Golden")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
