import CZlib

/// Just enough PNG decoding for a screenshot test: 8-bit RGB or RGBA,
/// non-interlaced (what headless Chromium writes), inflated with zlib.
struct PNG {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    enum Failure: Error { case notPNG, unsupported(String), corrupt }

    init(_ data: [UInt8]) throws {
        guard data.count > 8, Array(data[0..<8]) == [137, 80, 78, 71, 13, 10, 26, 10] else { throw Failure.notPNG }
        var offset = 8
        var idat: [UInt8] = []
        var width = 0, height = 0, colorType = 0
        func u32(_ at: Int) -> Int { Int(data[at]) << 24 | Int(data[at + 1]) << 16 | Int(data[at + 2]) << 8 | Int(data[at + 3]) }
        while offset + 8 <= data.count {
            let length = u32(offset)
            let type = String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let start = offset + 8
            guard start + length <= data.count else { throw Failure.corrupt }
            if type == "IHDR" {
                width = u32(start); height = u32(start + 4)
                guard data[start + 8] == 8, data[start + 12] == 0 else { throw Failure.unsupported("bit depth or interlace") }
                colorType = Int(data[start + 9])
            } else if type == "IDAT" {
                idat += data[start..<(start + length)]
            } else if type == "IEND" { break }
            offset = start + length + 4
        }
        guard colorType == 2 || colorType == 6 else { throw Failure.unsupported("color type \(colorType)") }
        let channels = colorType == 6 ? 4 : 3
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: (stride + 1) * height)
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw Failure.corrupt }
        let status = idat.withUnsafeMutableBufferPointer { input in
            raw.withUnsafeMutableBufferPointer { output -> Int32 in
                stream.next_in = input.baseAddress
                stream.avail_in = uInt(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(output.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        inflateEnd(&stream)
        guard status == Z_STREAM_END else { throw Failure.corrupt }
        var pixels = [UInt8](repeating: 0, count: stride * height)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            for column in 0..<stride {
                let x = raw[row * (stride + 1) + 1 + column]
                let a = column >= channels ? Int(pixels[row * stride + column - channels]) : 0
                let b = row > 0 ? Int(pixels[(row - 1) * stride + column]) : 0
                let c = row > 0 && column >= channels ? Int(pixels[(row - 1) * stride + column - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw Failure.unsupported("filter \(filter)")
                }
                pixels[row * stride + column] = UInt8(truncatingIfNeeded: Int(x) + predictor)
            }
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Pixels whose color is within `tolerance` of (r, g, b).
    func count(r: UInt8, g: UInt8, b: UInt8, tolerance: Int = 6) -> Int {
        var total = 0
        for index in stride(from: 0, to: pixels.count, by: channels)
        where abs(Int(pixels[index]) - Int(r)) <= tolerance && abs(Int(pixels[index + 1]) - Int(g)) <= tolerance
            && abs(Int(pixels[index + 2]) - Int(b)) <= tolerance {
            total += 1
        }
        return total
    }
}
