import MPTCPWire
import MPTCPModel
import Testing

@Suite("CounterCatalog and Case diagrams")
struct CounterCatalogTests {
    @Test("every counter of 6.18 and 5.18 has a place in a protocol diagram, none in other")
    func everyKnownCounterPlaced() throws {
        for fixture in ["netstat-6.18-server", "netstat-5.18-reference"] {
            let names = try #require(NetstatParser.parse(try Fixture.bytes(fixture)).section("MPTcpExt")).names
            for name in names {
                let descriptor = try #require(CounterCatalog.known(section: "MPTcpExt", name: name), "\(name) unknown")
                #expect(descriptor.diagram != CounterCatalog.otherDiagramID)
                #expect(CounterCatalog.diagram(descriptor.diagram) != nil)
            }
        }
    }

    @Test("the reference's diagrams: entry, branches and exit as chapter 2.4 draws them")
    func referenceDiagrams() throws {
        func role(_ name: String) -> CounterRole? { CounterCatalog.known(section: "MPTcpExt", name: name)?.role }
        func diagram(_ name: String) -> String? { CounterCatalog.known(section: "MPTcpExt", name: name)?.diagram }
        #expect(diagram("MPCapableSYNTX") == "mp_capable_active")
        #expect(role("MPCapableSYNTX") == .entry)
        #expect(role("MPCapableSYNACKRX") == .exit)
        #expect(role("MPCapableFallbackSYNACK") == .branch)
        #expect(diagram("MPCapableSYNRX") == "mp_capable_passive")
        #expect(role("MPCapableSYNRX") == .entry)
        #expect(role("MPCapableACKRX") == .exit)
        #expect(role("MPCapableFallbackACK") == .branch)
        #expect(diagram("MPJoinSynRx") == "mp_join_accepted")
        #expect(role("MPJoinNoTokenFound") == .branch)
        #expect(role("MPJoinAckRx") == .pass)
        #expect(role("MPJoinAckHMacFailure") == .branch)
        #expect(diagram("MPJoinSynAckRx") == "mp_join_initiated")
        #expect(role("MPJoinSynTx") == .entry)
        #expect(role("MPJoinSynAckHMacFailure") == .branch)
        #expect(diagram("MPJoinPortSynRx") == "address_management")
        #expect(diagram("MPFailTx") == "fallback_termination")
        #expect(diagram("Blackhole") == "fallback_termination")
        #expect(diagram("SubflowStale") == "data")
        #expect(CounterCatalog.known(section: "MPTcpExt", name: "MPCurrEstab")?.kind == .gauge)
    }

    @Test("the table is consistent: unique names, lanes in range, help everywhere, each flow has a way in")
    func consistency() {
        let names = CounterCatalog.mptcp.map(\.name)
        #expect(Set(names).count == names.count)
        for descriptor in CounterCatalog.mptcp + CounterCatalog.tcp {
            #expect(!descriptor.help.isEmpty)
            #expect(descriptor.helpText.hasPrefix(descriptor.nstatName + ": "))
            if let diagram = CounterCatalog.diagram(descriptor.diagram) {
                #expect(descriptor.lane >= 0 && descriptor.lane < diagram.lanes.count, "\(descriptor.name)")
            }
        }
        for diagram in CounterCatalog.diagrams where diagram.id != CounterCatalog.otherDiagramID {
            let members = CounterCatalog.mptcp.filter { $0.diagram == diagram.id }
            #expect(!members.isEmpty, "\(diagram.id) is empty")
            for lane in diagram.lanes.indices {
                let laneMembers = members.filter { $0.lane == lane }
                #expect(!laneMembers.isEmpty, "\(diagram.id) lane \(lane) is empty")
                #expect(laneMembers.contains { [.entry, .pass, .gauge].contains($0.role) }
                    || laneMembers.allSatisfy { $0.role == .branch },
                    "\(diagram.id) lane \(lane) has no line")
            }
        }
    }

    @Test("a counter from a future kernel lands in other with a generic explanation")
    func unknownCounter() {
        let descriptor = CounterCatalog.descriptor(mptcpCounter: "MPJoinFutureThing")
        #expect(descriptor.diagram == CounterCatalog.otherDiagramID)
        #expect(descriptor.kind == .counter)
        #expect(descriptor.seriesName == "mptcp_ext_mp_join_future_thing_total")
        #expect(descriptor.helpText.hasPrefix("MPTcpExtMPJoinFutureThing: "))
    }

    @Test("trouble is derived from the table: branches and the abnormal-termination diagram, never the main flow")
    func trouble() {
        // What mptcp-top used to list by hand is all covered by the rule.
        for name in ["MPCapableFallbackSYNACK", "MPCapableFallbackACK", "MPCapableSYNTXDrop", "MPCapableSYNTXDisabled", "Blackhole",
                     "MPFallbackTokenInit", "MPJoinNoTokenFound", "MPJoinAckHMacFailure", "MPJoinSynAckHMacFailure", "MPJoinRejected",
                     "MPJoinSynTxCreatSkErr", "MPJoinSynTxBindErr", "MPJoinSynTxConnectErr", "MPFailTx", "MPFailRx", "DataCsumErr",
                     "InfiniteMapTx", "InfiniteMapRx", "SubflowStale", "AddAddrDrop", "RmAddrDrop", "RcvPruned", "DSSCorruptionFallback",
                     "DSSCorruptionReset", "DssFallback", "MPCapableDataFallback", "MD5SigFallback", "FallbackFailed", "MPRstTx", "MPRstRx"] {
            #expect(CounterCatalog.signalsTrouble(name), "\(name)")
        }
        for name in ["MPCapableSYNTX", "MPCapableSYNACKRX", "MPJoinSynRx", "MPJoinAckRx", "AddAddr", "MPCurrEstab", "OFOQueue"] {
            #expect(!CounterCatalog.signalsTrouble(name), "\(name)")
        }
        #expect(!CounterCatalog.signalsTrouble("SomeCounterOfAFutureKernel"), "unknown counters are not alarming")
    }
}
