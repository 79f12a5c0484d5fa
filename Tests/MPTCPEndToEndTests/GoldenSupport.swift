import Foundation
import TestSupport

enum Golden {
    static var directory: String {
        Bundle.module.url(forResource: "Golden", withExtension: nil)?.path ?? "Golden"
    }

    /// Where the golden files live in the source tree, for UPDATE_GOLDEN=1.
    static var sourceDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path
    }

    /// A golden file's text.
    static func text(_ file: String) throws -> String {
        try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
    }

    /// Replaces what changes from scrape to scrape (durations) by a placeholder.
    static func normalise(_ exposition: String) -> String {
        exposition.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.hasPrefix("mptcp_exporter_scrape_collector_duration_seconds{"),
                  let space = line.lastIndex(of: " ") else { return String(line) }
            return line[..<space] + " <duration>"
        }.joined(separator: "\n")
    }

    /// Compares with the golden file, or rewrites it when UPDATE_GOLDEN=1.
    static func compare(_ actual: String, file: String) throws -> String? {
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: sourceDirectory + "/" + file, atomically: true, encoding: .utf8)
            return nil
        }
        let expected = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
        guard expected != actual else { return nil }
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, pair) in zip(expectedLines, actualLines).enumerated() where pair.0 != pair.1 {
            return "line \(index + 1) differs:\n  golden: \(pair.0)\n  served: \(pair.1)"
        }
        return "length differs: golden \(expectedLines.count) lines, served \(actualLines.count)"
    }

    /// `promtool check metrics` on the text; returns its complaints (empty when clean).
    static func promtoolComplaints(_ exposition: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("exposition-\(UUID().uuidString).prom").path
        try exposition.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Command.run(["sh", "-c", "promtool check metrics < '\(path)'"], timeout: 60)
        return result.succeeded ? result.stdout + result.stderr : "exit \(result.status): \(result.stdout)\(result.stderr)"
    }
}
