import Foundation

/// The built `mptcp-exporter`, started on an ephemeral port (optionally
/// inside a network namespace) and scraped with curl from the same namespace.
public final class ExporterProcess: @unchecked Sendable {
    public let process: BackgroundProcess
    public let port: Int
    public let namespace: String?

    /// - Parameter wrapper: a command the exporter runs under (`setpriv …`).
    public init(namespace: String? = nil, arguments: [String] = [], wrapper: [String] = []) throws {
        self.namespace = namespace
        var command = wrapper + [Products.exporter, "--web.listen-address", "127.0.0.1:0"] + arguments
        if let namespace { command = ["ip", "netns", "exec", namespace] + command }
        process = try BackgroundProcess(command)
        var found: Int?
        _ = process.waitForOutput(timeout: 20) { _, err in
            found = ExporterProcess.boundPort(in: err)
            return found != nil
        }
        guard let found else {
            process.stop()
            throw Command.Failure(description: "exporter did not report a listening address: \(process.stderr)")
        }
        port = found
    }

    /// The port of the `msg=listening address=127.0.0.1:PORT` log line.
    static func boundPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("msg=listening") {
            guard let range = line.range(of: "address=") else { continue }
            let address = line[range.upperBound...].prefix { $0 != " " }
            if let colon = address.lastIndex(of: ":") { return Int(address[address.index(after: colon)...]) }
        }
        return nil
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `curl` run where the exporter runs: returns status line, headers and body.
    public func request(_ path: String, curlOptions: [String] = []) throws -> (status: Int, headers: String, body: String) {
        var command = ["curl", "-sS", "--max-time", "20", "-D", "-"] + curlOptions + [baseURL + path]
        if let namespace { command = ["ip", "netns", "exec", namespace] + command }
        let output = try Command.check(command, timeout: 30)
        guard let split = output.range(of: "\r\n\r\n") else { return (0, output, "") }
        let headers = String(output[..<split.lowerBound])
        let status = headers.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, headers, String(output[split.upperBound...]))
    }

    /// The body of `GET /metrics`.
    public func scrape(_ path: String = "/metrics") throws -> String {
        let response = try request(path)
        guard response.status == 200 else {
            throw Command.Failure(description: "GET \(path): HTTP \(response.status)")
        }
        return response.body
    }

    deinit { process.stop() }
}
