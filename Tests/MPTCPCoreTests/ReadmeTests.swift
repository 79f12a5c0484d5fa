import Foundation
import MPTCPWire
@testable import MPTCPModel
import MPTCPPresentation
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

    /// The package root (three levels above this file).
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test("README's Layout is the table scripts/layout.sh makes from Package.swift and the sources")
    func layoutInStep() throws {
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/bin/bash")
        script.arguments = [Self.root.appendingPathComponent("scripts/layout.sh").path, "--check"]
        let errors = Pipe()
        script.standardError = errors
        script.standardOutput = FileHandle.nullDevice
        try script.run()
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        #expect(script.terminationStatus == 0, "\(complaint)")
        // And the table is the real thing: it names the types that carry the load.
        let readme = Self.readme
        for type in ["NamespaceReader", "CounterCatalog", "ConnectionJoiner", "LiveSnapshotReader", "HTTPRouter", "TopRenderer", "ReportRenderer"] {
            #expect(readme.contains("`\(type)`"), "README's Layout lists \(type)")
        }
    }

    @Test("README's verdict table has a row for every reason the verdicts give, and only those")
    func verdictsInStep() {
        let readme = Self.readme
        guard let start = readme.range(of: "| reason | kind | what it says |"),
              let end = readme[start.upperBound...].range(of: "\n\n") else {
            Issue.record("README has no verdict table")
            return
        }
        let rows = readme[start.upperBound..<end.lowerBound].split(separator: "\n").filter { $0.hasPrefix("| `") }
        var documented = Set<String>()
        for row in rows {
            let first = row.split(separator: "|").first ?? ""
            for name in first.split(separator: "`") where !name.trimmingCharacters(in: .whitespaces).isEmpty && !name.contains(",") {
                documented.insert(String(name))
            }
        }
        #expect(Set(FindingRules.verdictTitles.keys).isSubset(of: documented), "\(Set(FindingRules.verdictTitles.keys).subtracting(documented))")
        let fallbackStages: Set<String> = ["syn_ack_without_mp_capable", "syn_dropped", "blackhole", "data_fallback", "dss_fallback",
                                           "md5sig", "simultaneous_connect", "handshake_third_ack", "unknown_stage"]
        #expect(documented.subtracting(FindingRules.verdictTitles.keys).subtracting(fallbackStages).isEmpty,
                "\(documented.subtracting(FindingRules.verdictTitles.keys).subtracting(fallbackStages))")
    }
}
