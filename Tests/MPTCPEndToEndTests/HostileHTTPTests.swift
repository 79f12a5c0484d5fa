import Foundation
import Testing
import TestSupport

/// Clients that try to hold, confuse or starve the server, while a normal
/// client keeps scraping. The exporter serves a fixture procfs tree, so no
/// privilege is needed.
@Suite("Hostile HTTP clients", .serialized)
struct HostileHTTPTests {
    static var fixture: [String] { HTTPServerTests.fixture }

    /// A normal scrape on its own connection: whole, and answered before curl's own 5 s limit.
    static func normalScrape(_ exporter: ExporterProcess) throws -> Bool {
        let output = try Command.run(["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", exporter.baseURL + "/metrics"], timeout: 10)
        return output.stdout == "200"
    }

    @Test("500 slow clients (slowloris) are cut at the header timeout while scrapes go on")
    func slowloris() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture + ["--web.read-header-timeout", "3"])
        var slow: [RawHTTPConnection] = []
        for index in 0..<500 {
            let connection = try RawHTTPConnection(port: exporter.port)
            // Half of them send a partial head and then one byte at a time; half send nothing.
            if index % 2 == 0 { connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n") }
            slow.append(connection)
        }
        var scrapes = 0
        let started = Date()
        while Date().timeIntervalSince(started) < 2 {
            for connection in slow.enumerated() where connection.offset % 2 == 0 { connection.element.send("X") }
            #expect(try Self.normalScrape(exporter), "a normal scrape failed while 500 slow clients were connected")
            scrapes += 1
        }
        #expect(scrapes >= 3)
        // Past the header timeout every slow client has been disconnected.
        var cut = 0
        for connection in slow {
            let result = connection.readUntilClosed(timeout: 6)
            if result.closed { cut += 1 }
        }
        #expect(cut == 500, "only \(cut) of 500 slow clients were disconnected")
        #expect(try Self.normalScrape(exporter))
        #expect(exporter.process.isRunning)
    }

    @Test("at --web.max-connections, the client waiting longest makes room for a new one")
    func connectionLimit() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture + ["--web.max-connections", "20"])
        var idle: [RawHTTPConnection] = []
        for _ in 0..<100 { idle.append(try RawHTTPConnection(port: exporter.port)) }
        for _ in 0..<5 { #expect(try Self.normalScrape(exporter)) }
        // The first 80 or more idle connections were closed to make room.
        let closed = idle.filter { $0.readUntilClosed(timeout: 0.2).closed }.count
        #expect(closed >= 80, "\(closed) idle connections closed")
        #expect(exporter.process.isRunning)
    }

    @Test("an oversized request line gets 414, oversized headers 431, and the connection closes")
    func oversized() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture + ["--web.max-request-head-bytes", "4096"])
        let longLine = try RawHTTPConnection(port: exporter.port)
        longLine.send("GET /" + String(repeating: "a", count: 1_000_000))
        let answer = longLine.readUntilClosed(timeout: 5)
        #expect(String(decoding: answer.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 414 "))
        #expect(answer.closed)

        let manyHeaders = try RawHTTPConnection(port: exporter.port)
        manyHeaders.send("GET /metrics HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-Filler: 0123456789\r\n", count: 500))
        let headers = manyHeaders.readUntilClosed(timeout: 5)
        #expect(String(decoding: headers.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 431 "))
        #expect(headers.closed)

        let oneHugeHeader = try RawHTTPConnection(port: exporter.port)
        oneHugeHeader.send("GET /metrics HTTP/1.1\r\nHost: x\r\nCookie: " + String(repeating: "c", count: 100_000) + "\r\n\r\n")
        #expect(String(decoding: oneHugeHeader.readUntilClosed(timeout: 5).bytes, as: UTF8.self).hasPrefix("HTTP/1.1 431 "))
        #expect(try Self.normalScrape(exporter))
    }

    @Test("invalid methods and garbage get 400 or 405, never a crash")
    func invalidRequests() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture)
        let cases: [(String, String)] = [
            ("FOO /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400"),
            ("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405"),
            ("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 405"),
            ("GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 400"),
            ("\u{0}\u{1}\u{2}\u{3} garbage\r\n\r\n", "HTTP/1.1 400"),
            ("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", "HTTP/1.1 400"),
            ("GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 400"),
        ]
        for (request, expected) in cases {
            let connection = try RawHTTPConnection(port: exporter.port)
            connection.send(request)
            let answer = String(decoding: connection.readUntilClosed(timeout: 3).bytes, as: UTF8.self)
            #expect(answer.hasPrefix(expected), "\(request.debugDescription) → \(answer.prefix(40).debugDescription)")
        }
        #expect(try Self.normalScrape(exporter))
        #expect(exporter.process.isRunning)
    }

    @Test("pipelined requests are answered in order on one connection")
    func pipelining() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture)
        let connection = try RawHTTPConnection(port: exporter.port)
        connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let responses = connection.readResponses(4, bodiless: [2], timeout: 10)
        #expect(responses.count == 4)
        guard responses.count == 4 else { return }
        #expect(responses[0].head.hasPrefix("HTTP/1.1 200"))
        #expect(String(decoding: responses[0].body, as: UTF8.self).contains("mptcp_ext_mp_capable_synrx_total 3"))
        #expect(responses[1].head.hasPrefix("HTTP/1.1 404"))
        #expect(responses[2].head.hasPrefix("HTTP/1.1 200"))
        #expect(responses[3].head.hasPrefix("HTTP/1.1 200"))
        #expect(String(decoding: responses[3].body, as: UTF8.self).contains("<h1>MPTCP Exporter</h1>"))
    }

    @Test("HTTP/1.0 without Host is answered in HTTP/1.0 and closed")
    func http10() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture)
        let connection = try RawHTTPConnection(port: exporter.port)
        connection.send("GET /metrics HTTP/1.0\r\n\r\n")
        let answer = connection.readUntilClosed(timeout: 5)
        let text = String(decoding: answer.bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.0 200 OK"))
        #expect(text.contains("mptcp_ext_mp_capable_synrx_total 3"))
        #expect(answer.closed, "an HTTP/1.0 request without keep-alive closes the connection")
    }

    @Test("clients that vanish mid-response cost nothing; idle keep-alive connections close at the idle timeout")
    func disconnects() throws {
        let exporter = try ExporterProcess(arguments: Self.fixture + ["--web.idle-timeout", "2"])
        for index in 0..<200 {
            let connection = try RawHTTPConnection(port: exporter.port)
            connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            if index % 2 == 0 { _ = connection.read(atLeast: 10, timeout: 2) }
            connection.reset()
        }
        #expect(try Self.normalScrape(exporter))
        let keepAlive = try RawHTTPConnection(port: exporter.port)
        keepAlive.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(keepAlive.readResponse(timeout: 5)?.head.hasPrefix("HTTP/1.1 200") == true)
        keepAlive.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(keepAlive.readResponse(timeout: 5)?.head.hasPrefix("HTTP/1.1 200") == true, "keep-alive serves a second request")
        let idle = keepAlive.readUntilClosed(timeout: 6)
        #expect(idle.closed && idle.bytes.isEmpty, "closed after 2 s idle")
        #expect(exporter.process.isRunning)
    }
}
