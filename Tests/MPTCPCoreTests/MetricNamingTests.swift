import MPTCPWire
import MPTCPModel
import Testing

@Suite("MetricNaming")
struct MetricNamingTests {
    @Test("kernel names to series names", arguments: [
        ("MPTcpExt", "MPCapableSYNTX", CounterKind.counter, "mptcp_ext_mp_capable_syntx_total"),
        ("MPTcpExt", "MPCapableSYNACKRX", .counter, "mptcp_ext_mp_capable_synackrx_total"),
        ("MPTcpExt", "MPJoinSynAckHMacFailure", .counter, "mptcp_ext_mp_join_syn_ack_hmac_failure_total"),
        ("MPTcpExt", "OFOQueueTail", .counter, "mptcp_ext_ofo_queue_tail_total"),
        ("MPTcpExt", "DSSNoMatchTCP", .counter, "mptcp_ext_dss_no_match_tcp_total"),
        ("MPTcpExt", "MPTCPRetrans", .counter, "mptcp_ext_mptcp_retrans_total"),
        ("MPTcpExt", "MD5SigFallback", .counter, "mptcp_ext_md5_sig_fallback_total"),
        ("MPTcpExt", "MPCurrEstab", .gauge, "mptcp_ext_mp_curr_estab"),
        ("Tcp", "ActiveOpens", .counter, "mptcp_tcp_active_opens_total"),
        ("Tcp", "CurrEstab", .gauge, "mptcp_tcp_curr_estab"),
        ("TcpExt", "TCPSynRetrans", .counter, "mptcp_tcpext_tcp_syn_retrans_total"),
        ("MPTcpExt", "Weird-Name.9x", .counter, "mptcp_ext_weird_name_9x_total"),
    ])
    func seriesNames(section: String, name: String, kind: CounterKind, expected: String) {
        #expect(MetricNaming.seriesName(prefix: section, name: name, kind: kind) == expected)
    }

    @Test("every counter of 5.18 and 6.18 and of the catalogue has a distinct, valid, lint-clean name")
    func allNamesDistinctAndValid() throws {
        var names = Set<String>()
        for fixture in ["netstat-6.18-server", "netstat-5.18-reference"] {
            names.formUnion(NetstatParser.parse(try Fixture.bytes(fixture)).section("MPTcpExt")?.names ?? [])
        }
        names.formUnion(CounterCatalog.mptcp.map(\.name))
        var series: [String: String] = [:]
        for name in names {
            let seriesName = CounterCatalog.descriptor(mptcpCounter: name).seriesName
            #expect(MetricNaming.isValidMetricName(seriesName))
            #expect(series.updateValue(name, forKey: seriesName) == nil, "\(name) collides on \(seriesName)")
            let words = seriesName.split(separator: "_")
            #expect(!words.contains { $0.count == 1 }, "one-letter word in \(seriesName) (promtool reads it as a unit)")
            #expect(!seriesName.contains("_counter"), "type name in \(seriesName)")
        }
        #expect(series.count == 86)
    }
}
