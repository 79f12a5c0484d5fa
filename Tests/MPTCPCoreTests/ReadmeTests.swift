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

    /// The package root (three levels above this file).
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Names declared as a type anywhere in the package's Swift files.
    static func declaredTypes() throws -> Set<String> {
        var names = Set<String>()
        for folder in ["Sources", "Tests"] {
            guard let files = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "<" || $0 == "{" })
                    for (index, word) in words.enumerated() where ["struct", "class", "enum", "protocol", "typealias", "actor"].contains(word) {
                        if index + 1 < words.count { names.insert(String(words[index + 1])) }
                    }
                }
            }
        }
        return names
    }

    @Test("README's Layout names only types that exist, and lists every source folder")
    func layoutInStep() throws {
        let readme = Self.readme
        let start = try #require(readme.range(of: "## Layout\n"))
        let end = try #require(readme[start.upperBound...].range(of: "\n## "))
        let layout = String(readme[start.upperBound..<end.lowerBound])
        // Folder names (`SockDiag`) are not types.
        let folders = Set(try FileManager.default.subpathsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
            .map { ($0 as NSString).lastPathComponent })
        let declared = try Self.declaredTypes().union(folders)
        // Every `UpperCamelCase` word in backticks is a type of this package.
        var named: [String] = []
        var rest = Substring(layout)
        while let open = rest.firstIndex(of: "`") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "`") else { break }
            let word = String(after[..<close])
            if let first = word.first, first.isUppercase, word.allSatisfy({ $0.isLetter || $0.isNumber }), word.contains(where: \.isLowercase) {
                named.append(word)
            }
            rest = after[after.index(after: close)...]
        }
        #expect(named.count > 40, "the Layout names the types that carry the load")
        for name in named { #expect(declared.contains(name), "README's Layout names \(name), which no Swift file declares") }
        let sources = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
        for folder in sources where !folder.hasPrefix(".") {
            #expect(layout.contains("`Sources/\(folder)`"), "Sources/\(folder) is missing from README's Layout")
        }
    }
}
