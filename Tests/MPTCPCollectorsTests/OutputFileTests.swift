import Foundation
@testable import MPTCPKernel
import Testing
import TestSupport

/// The rename at the heart of OutputFile: it replaces only what was seen,
/// never what took the path's place between the look and the rename.
@Suite("Output files")
struct OutputFileTests {
    static func stat(_ path: String) throws -> Glibc.stat {
        var info = Glibc.stat()
        guard lstat(path, &info) == 0 else { throw SystemCallError(function: "lstat", subject: path, code: errno) }
        return info
    }

    @Test("a regular file swapped for a FIFO after the look is not renamed over; write then writes the FIFO in place")
    func swappedForFIFO() throws {
        let directory = try TemporaryDirectory("output-file")
        let path = directory.file("report.txt")
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        let seen = try Self.stat(path)
        // Between the look and the rename, the path becomes a FIFO.
        try FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o600) == 0)
        #expect(try OutputFile.atomically(Array("new".utf8), path: path, replacing: seen) == false)
        #expect((try Self.stat(path).st_mode & S_IFMT) == S_IFIFO, "still the FIFO")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.txt"], "no temporary file left")

        // The whole write looks again and writes the FIFO in place.
        let reader = try BackgroundProcess(["cat", path])
        defer { reader.stop() }
        #expect(try OutputFile.write(Array("new".utf8), to: path) == .writtenInPlace)
        #expect(reader.waitForExit(timeout: 10) && reader.stdout == "new")
    }

    @Test("a file that appears where there was none is not replaced; a regular file replaced by another is not either")
    func appearedOrReplaced() throws {
        let directory = try TemporaryDirectory("output-file")
        let path = directory.file("new.txt")
        try "someone else's".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try OutputFile.atomically(Array("mine".utf8), path: path, replacing: nil) == false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "someone else's")

        let seen = try Self.stat(path)
        // Another regular file takes the path: made while the first still exists, so another inode.
        let other = directory.file("other.txt")
        try "another file".write(toFile: other, atomically: false, encoding: .utf8)
        #expect(rename(other, path) == 0)
        #expect(try Self.stat(path).st_ino != seen.st_ino)
        #expect(try OutputFile.atomically(Array("mine".utf8), path: path, replacing: seen) == false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "another file")
        #expect(try OutputFile.write(Array("mine".utf8), to: path) == .replacedAtomically)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "mine")
    }

    @Test("mountinfo: network-namespace bind mounts with their inode, escaped mount points decoded")
    func mountInfo() {
        // Captured from this machine after `ip netns add capture-mi`, plus an escaped path and a non-nsfs line.
        let text = """
        46 45 0:4 net:[4026532174] /run/netns/capture-mi rw shared:2 - nsfs nsfs rw
        47 45 0:4 net:[4026532175] /run/netns/with\\040space rw shared:2 - nsfs nsfs rw
        48 45 0:4 mnt:[4026532176] /run/other rw - nsfs nsfs rw
        22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
        """
        let mounts = MountInfo.networkNamespaceMounts(text)
        #expect(mounts.map(\.path) == ["/run/netns/capture-mi", "/run/netns/with space"])
        #expect(mounts.map(\.inode) == [4026532174, 4026532175])
    }
}
