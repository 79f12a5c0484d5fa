import Foundation
import Testing
import TestSupport

/// The committed fuzz corpus (seeds from real kernel captures, and every
/// input the fuzzer ever found a problem with) replayed through each target
/// of a normal build of `mptcp-fuzz`: what was fixed stays fixed, without
/// needing libFuzzer. `scripts/fuzz.sh` does the fuzzing itself.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus").path

    @Test("every corpus input goes through its target without a trap", arguments: ["netstat", "sockdiag", "genl", "archive", "report", "topframe", "http", "webconfig", "probe"])
    func replay(target: String) throws {
        let folder = Self.corpus + "/" + target
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }
        #expect(!inputs.isEmpty, "no seeds in \(folder)")
        let result = try Command.run([Products.fuzz, target, folder], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(target): replayed \(inputs.count) inputs"), "\(result.stdout)")
    }
}
