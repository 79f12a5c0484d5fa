import Foundation
import Testing
import TestSupport

/// What a new user meets first: output files that behave as every Unix tool's,
/// and errors that name the file, address or flag and the reason. Every file
/// a test writes, device nodes included, is in its own temporary directory.
@Suite("First contact")
struct FirstContactTests {
    /// Device number 1:3 (the null device) in glibc's encoding, for small major and minor numbers.
    static let nullDevice = dev_t(1 << 8 | 3)

    /// `report` from a snapshot archive (no kernel reading, no event listening).
    static func archive(_ scratch: TemporaryDirectory) throws -> String {
        let archive = scratch.file("snapshot.tar")
        try Command.check([Products.exporter, "snapshot", "--interval", "0", "--events", "off", "-o", archive], timeout: 60)
        return archive
    }

    @Test("report -o: a FIFO is written through, never replaced")
    func fifo() throws {
        let scratch = try TemporaryDirectory("first-contact")
        let archive = try Self.archive(scratch)
        let fifo = scratch.file("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = try BackgroundProcess(["cat", fifo])
        defer { reader.stop() }
        let result = try Command.run([Products.exporter, "report", "--from", archive, "--format", "json", "-o", fifo], timeout: 30)
        #expect(result.succeeded, "\(result.stderr)")
        #expect(reader.waitForExit(timeout: 10))
        #expect(reader.stdout.contains("\"schema\" : \"mptcp-exporter/report/v1\""))
        #expect(isFIFO(fifo), "still a FIFO")
    }

    func isFIFO(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO
    }

    @Test("report -o: a character device is written in place (a null device made in the test's own directory)",
          .enabled(if: Requirements.isRoot, "mknod needs root"))
    func characterDevice() throws {
        let scratch = try TemporaryDirectory("first-contact")
        let archive = try Self.archive(scratch)
        let device = scratch.file("null")
        #expect(mknod(device, S_IFCHR | 0o666, Self.nullDevice) == 0, "mknod: \(errno)")
        for arguments in [["report", "--from", archive, "--format", "json", "-o", device],
                          ["snapshot", "--interval", "0", "--events", "off", "-o", device, "--report", device]] {
            let result = try Command.run([Products.exporter] + arguments, timeout: 60)
            #expect(result.succeeded, "\(arguments): \(result.stderr)")
            var info = stat()
            #expect(lstat(device, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "\(arguments): still a character device")
            #expect(info.st_rdev == Self.nullDevice)
        }
    }

    @Test("report -o: a symlink is followed and stays a link; a regular file is replaced atomically, keeping its mode")
    func symlinkAndRegular() throws {
        let scratch = try TemporaryDirectory("first-contact")
        let archive = try Self.archive(scratch)
        let target = scratch.file("target.md"), link = scratch.file("link.md")
        try "old".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.md")
        let result = try Command.run([Products.exporter, "report", "--from", archive, "--format", "markdown", "-o", link], timeout: 30)
        #expect(result.succeeded, "\(result.stderr)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "target.md", "the link itself is kept")
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("# MPTCP report"))

        #expect(chmod(target, 0o640) == 0)
        let again = try Command.run([Products.exporter, "report", "--from", archive, "-o", target], timeout: 30)
        #expect(again.succeeded)
        var info = stat()
        #expect(stat(target, &info) == 0 && info.st_mode & 0o777 == 0o640, "mode kept")
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("MPTCP report"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "no temporary file left: \(leftovers)")
    }

    @Test("files that cannot be read or written are named, with the reason")
    func fileErrors() throws {
        let scratch = try TemporaryDirectory("first-contact")
        let archive = try Self.archive(scratch)
        let cases: [([String], [String])] = [
            (["report", "--from", scratch.file("missing.tar")], ["cannot read \(scratch.file("missing.tar"))", "ENOENT"]),
            (["report", "--from", scratch.path], ["cannot read \(scratch.path)", "EISDIR"]),
            (["report", "--from", archive, "-o", scratch.file("no/such/dir/report.txt")], ["cannot write \(scratch.file("no/such/dir/report.txt"))", "ENOENT", "directory does not exist"]),
            (["report", "--from", archive, "-o", scratch.path], ["cannot write \(scratch.path)", "EISDIR"]),
            (["serve", "--web.listen-address", "127.0.0.1:0", "--web.config.file", scratch.file("web.yml")], ["cannot read \(scratch.file("web.yml"))", "ENOENT"]),
        ]
        for (arguments, expected) in cases {
            let result = try Command.run([Products.exporter] + arguments, timeout: 30)
            #expect(result.status != 0, "\(arguments)")
            for text in expected { #expect(result.stderr.contains(text), "\(arguments): \(result.stderr)") }
            #expect(!result.stderr.contains("CocoaError") && !result.stderr.contains("rawValue"), "\(result.stderr)")
        }
        // A web configuration whose certificate is missing names the certificate file.
        let web = scratch.file("tls.yml")
        try "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n".write(toFile: web, atomically: false, encoding: .utf8)
        let tls = try Command.run([Products.exporter, "serve", "--web.listen-address", "127.0.0.1:0", "--web.config.file", web], timeout: 30)
        #expect(tls.status == 2)
        #expect(tls.stderr.contains("cert_file: cannot read \(scratch.file("server.crt")): ENOENT"), "\(tls.stderr)")
    }

    @Test("flags: --interval -1 is explained, --from with --netns is refused, a taken or foreign listen address is named")
    func flagErrors() throws {
        let scratch = try TemporaryDirectory("first-contact")
        let archive = try Self.archive(scratch)
        let negative = try Command.run([Products.exporter, "report", "--interval", "-1"], timeout: 30)
        #expect(negative.status != 0 && negative.stderr.contains("--interval must be between 0 and 3600"), "\(negative.stderr)")
        #expect(!negative.stderr.contains("Missing value"))
        let top = try Command.run([Products.top, "--interval", "-1"], timeout: 30)
        #expect(top.status != 0 && top.stderr.contains("--interval must be between"), "\(top.stderr)")
        let netns = try Command.run([Products.exporter, "report", "--from", archive, "--netns", "host"], timeout: 30)
        #expect(netns.status != 0 && netns.stderr.contains("--netns does not apply to --from"), "\(netns.stderr)")

        let first = try ExporterProcess(arguments: ["--collector.pm-events", "off"])
        defer { first.process.stop() }
        let taken = try Command.run([Products.exporter, "--web.listen-address", "127.0.0.1:\(first.port)", "--collector.pm-events", "off"], timeout: 30)
        #expect(taken.status != 0)
        #expect(taken.stderr.contains("cannot listen on --web.listen-address 127.0.0.1:\(first.port): EADDRINUSE"), "\(taken.stderr)")
        // 192.0.2.0/24 is documentation space: no interface of this host has it.
        let foreign = try Command.run([Products.exporter, "--web.listen-address", "192.0.2.7:9", "--collector.pm-events", "off"], timeout: 30)
        #expect(foreign.stderr.contains("cannot listen on --web.listen-address 192.0.2.7:9: EADDRNOTAVAIL"), "\(foreign.stderr)")
        let unknown = try Command.run([Products.exporter, "--web.listen-address", "no-such-host.invalid:9", "--collector.pm-events", "off"], timeout: 30)
        #expect(unknown.stderr.contains("cannot listen on --web.listen-address no-such-host.invalid:9: unknown host no-such-host.invalid"),
                "\(unknown.stderr)")
    }

    @Test("serve with an unreadable --path.procfs warns at start, naming the files")
    func procfsWarning() throws {
        let scratch = try TemporaryDirectory("first-contact")
        let exporter = try ExporterProcess(arguments: ["--path.procfs", scratch.file("nonexistent"), "--collector.pm-events", "off"])
        defer { exporter.process.stop() }
        let log = exporter.process.stderr
        #expect(log.contains("problem=\"\(scratch.file("nonexistent"))/net/netstat: ENOENT"), "\(log)")
        #expect(log.contains("collector=sysctl"), "\(log)")
    }

    @Test("report with an unreadable --path.procfs puts that first, and never says No finding")
    func reportCouldNotLook() throws {
        let scratch = try TemporaryDirectory("first-contact")
        let result = try Command.run([Products.exporter, "report", "--interval", "0", "--events", "off", "--path.procfs", scratch.file("nonexistent")], timeout: 30)
        #expect(result.succeeded)
        #expect(!result.stdout.contains("No finding"))
        let findings = try #require(result.stdout.range(of: "FINDINGS\n========\n"))
        #expect(result.stdout[findings.upperBound...].hasPrefix("\n* [CRITICAL] The kernel's MPTCP data could not be read"), "\(result.stdout.prefix(600))")
    }

    @Test("snapshot archive entries are dated with the sample time, not 1970")
    func archiveDates() throws {
        let scratch = try TemporaryDirectory("first-contact")
        let archive = try Self.archive(scratch)
        let listing = try Command.check(["tar", "--utc", "-tvf", archive])
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        #expect(listing.contains(" \(year)-"), "\(listing)")
        #expect(!listing.contains("1970-"))
    }
}
