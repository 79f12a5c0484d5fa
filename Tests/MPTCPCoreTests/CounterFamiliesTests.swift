import MPTCPWire
import MPTCPModel
import Testing

@Suite("CounterFamilies")
struct CounterFamiliesTests {
    private func families(_ text: String) -> [String: MetricFamily] {
        Dictionary(CounterFamilies.families(from: NetstatParser.parse(text)).map { ($0.name, $0) },
                   uniquingKeysWith: { first, _ in first })
    }

    @Test("6.18: 76 typed MPTcpExt series, one info series each, the TCP counters")
    func kernel618() throws {
        let table = NetstatParser.parse(try Fixture.bytes("netstat-6.18-server"))
            .merging(NetstatParser.parse(try Fixture.bytes("snmp-6.18-server")))
        let all = CounterFamilies.families(from: table)
        let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(all.filter { $0.name.hasPrefix("mptcp_ext_") && $0.name != "mptcp_ext_info" }.count == 76)
        #expect(byName["mptcp_ext_mp_join_syn_rx_total"]?.samples.first?.value == .unsigned(2))
        #expect(byName["mptcp_ext_mp_join_syn_rx_total"]?.type == .counter)
        #expect(byName["mptcp_ext_mp_curr_estab"]?.type == .gauge)
        #expect(byName["mptcp_kernel_mptcpext_counters"]?.samples.first?.value == .unsigned(76))
        #expect(byName["mptcp_ext_info"]?.samples.count == 76)
        #expect(byName["mptcp_tcp_passive_opens_total"]?.samples.first?.value == .unsigned(5))
        #expect(byName["mptcp_tcp_curr_estab"]?.type == .gauge)
        #expect(byName["mptcp_case_diagram_info"]?.samples.count == 7)
        let info = try #require(byName["mptcp_ext_info"]?.samples.first { $0.labels.contains { $0 == ("counter", "MPJoinSynRx") } })
        #expect(info.labels.map(\.name) == ["counter", "series", "diagram", "role"])
        #expect(info.labels.map(\.value) == ["MPJoinSynRx", "mptcp_ext_mp_join_syn_rx_total", "mp_join_accepted", "entry"])
    }

    @Test("an unknown counter is exported, in other; a removed one simply disappears")
    func unknownAndRemoved() {
        let byName = families("MPTcpExt: MPCapableSYNRX BrandNewCounter\nMPTcpExt: 4 7\n")
        #expect(byName["mptcp_ext_brand_new_counter_total"]?.samples.first?.value == .unsigned(7))
        #expect(byName["mptcp_ext_brand_new_counter_total"]?.help.contains("not known") == true)
        #expect(byName["mptcp_ext_info"]?.samples.count == 2)
        #expect(byName["mptcp_case_diagram_info"]?.samples.map { $0.labels[0].value } == ["mp_capable_passive", "other"])
        #expect(byName["mptcp_ext_mp_capable_syntx_total"] == nil)
    }

    @Test("no MPTcpExt section: the count says 0 and no MPTCP series is invented")
    func noSection() {
        let byName = families("TcpExt: ListenDrops\nTcpExt: 3\n")
        #expect(byName["mptcp_kernel_mptcpext_counters"]?.samples.first?.value == .unsigned(0))
        #expect(byName.keys.filter { $0.hasPrefix("mptcp_ext_") && $0 != "mptcp_ext_info" }.isEmpty)
        #expect(byName["mptcp_tcpext_listen_drops_total"]?.samples.first?.value == .unsigned(3))
    }
}
