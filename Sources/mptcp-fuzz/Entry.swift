#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard error.
func printError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

#if FUZZING
// Built with `-sanitize=fuzzer` (scripts/fuzz.sh): libFuzzer supplies main()
// and calls these. MPTCP_FUZZ_TARGET names the target.

nonisolated(unsafe) private var selected: (@Sendable ([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    let name = getenv("MPTCP_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTargets.all[name] else {
        printError("MPTCP_FUZZ_TARGET must be one of: \(FuzzTargets.names.joined(separator: ", "))\n")
        exit(2)
    }
    selected = target
    return 0
}

/// libFuzzer's driver (compiler-rt `FuzzerDriver.cpp`): SwiftPM links an
/// executable with `main` defined as `<module>_main`, so that function runs
/// the fuzzer itself.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("mptcp_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    _ = fuzzerInitialize(nil, nil)
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected?(bytes)
    return 0
}

#else
// A normal build: replay inputs (the committed corpus, a crash file) through
// a target without libFuzzer, as the test suite does.
//   mptcp-fuzz TARGET FILE|DIRECTORY...
@main
struct FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTargets.all[name] else {
            printError("usage: mptcp-fuzz TARGET FILE|DIRECTORY...\ntargets: \(FuzzTargets.names.joined(separator: ", "))\n")
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            for file in files(path) {
                guard let bytes = read(file) else {
                    printError("cannot read \(file)\n")
                    exit(1)
                }
                target(bytes)
                count += 1
            }
        }
        print("\(name): replayed \(count) inputs")
    }

    static func files(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(path + "/" + name) }
        }
        return names.sorted()
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = fread(&buffer, 1, buffer.count, file)
            if got <= 0 { break }
            bytes.append(contentsOf: buffer[0..<got])
        }
        return bytes
    }
}
#endif
