import Foundation
import MPTCPCore
import Testing

@Suite("README")
struct ReadmeTests {
    static var readme: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }

    @Test("the diagrams in README are the ones CaseDiagramText draws from the table")
    func diagramsInStep() throws {
        let readme = Self.readme
        let begin = try #require(readme.range(of: "<!-- diagrams:begin -->\n```text\n"))
        let end = try #require(readme.range(of: "```\n<!-- diagrams:end -->"))
        let drawn = String(readme[begin.upperBound..<end.lowerBound])
        #expect(drawn == CaseDiagramText.renderAll(),
                "README diagrams are stale: regenerate with `mptcp-exporter diagrams --no-values`")
    }

    @Test("README's naming examples follow the rule")
    func namingExamples() {
        let readme = Self.readme
        for (section, name, kind) in [("MPTcpExt", "MPCapableSYNTX", CounterKind.counter),
                                      ("MPTcpExt", "MPJoinSynAckHMacFailure", .counter),
                                      ("MPTcpExt", "OFOQueueTail", .counter), ("MPTcpExt", "MPCurrEstab", .gauge),
                                      ("Tcp", "ActiveOpens", .counter)] {
            let row = "| `\(section)\(name)` | `\(MetricNaming.seriesName(prefix: section, name: name, kind: kind))` |"
            #expect(readme.contains(row), "\(row)")
        }
    }
}
