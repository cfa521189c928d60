extension FastCDC {
    /// The chunks FastCDC's rule cuts one after another from the start of `data`, for as long
    /// as each chunk starts at least `maximumSize` bytes before `count` (or always, when
    /// `isLast`): a window of a stream is chunked with `isLast` false and its uncut tail carried
    /// into the next window.
    ///
    /// The fingerprint is a chain of dependent shifts and adds, so one search keeps a core
    /// waiting on latency. Here the second half of the buffer is chunked at the same time as the
    /// first, in the same loop, from a guessed chunk start at its middle. Where a cut should fall
    /// depends only on the bytes from the chunk's start, so once the first half's chunking makes
    /// a cut that the guess also made, the guess's later cuts are the true ones. If the two never
    /// meet, the first lane simply chunks on to the end.
    public func chunkLengths(_ data: UnsafePointer<UInt8>, count: Int, isLast: Bool) -> [Int] {
        var first = CutLane(data: data, count: count, isLast: isLast, parameters: parameters, start: 0)
        guard count >= 8 * parameters.maximumSize else {
            while !first.isDone { first.runAlone() }
            return Self.lengths(first.cuts)
        }
        let middle = count / 2
        var second = CutLane(data: data, count: count, isLast: isLast, parameters: parameters, start: middle)
        var checked = 0
        var guessed = 0
        while !first.isDone {
            if second.isDone {
                first.runAlone()
            } else {
                CutLane.runTogether(&first, &second)
            }
            if let cut = Self.meetingPoint(first.cuts, from: &checked, guess: second, at: &guessed, start: middle) {
                while !second.isDone { second.runAlone() }
                return Self.lengths(first.cuts.prefix { $0 <= cut } + second.cuts.drop { $0 <= cut })
            }
        }
        return Self.lengths(first.cuts)
    }

    /// The first of `cuts` (from index `checked` on) that is the guess's start or one of its
    /// cuts; advances `checked` past cuts that can no longer match.
    private static func meetingPoint(_ cuts: [Int], from checked: inout Int, guess: CutLane,
                                     at index: inout Int, start: Int) -> Int? {
        while checked < cuts.count {
            let cut = cuts[checked]
            if cut <= start {
                if cut == start { return cut }
                checked += 1
                continue
            }
            while index < guess.cuts.count, guess.cuts[index] < cut { index += 1 }
            if index < guess.cuts.count {
                if guess.cuts[index] == cut { return cut }
                checked += 1
            } else if guess.isDone {
                checked += 1
            } else {
                return nil  // the guess has not got this far yet
            }
        }
        return nil
    }

    private static func lengths<Cuts: Sequence<Int>>(_ cuts: Cuts) -> [Int] {
        var previous = 0
        return cuts.map { cut in
            defer { previous = cut }
            return cut - previous
        }
    }
}

/// One chunking search in progress over a buffer: the chunk ends found so far and the state of
/// the search for the next one (FastCDC's two phases: the strict mask up to the average size,
/// the loose one up to the maximum).
struct CutLane {
    private let data: UnsafePointer<UInt8>
    private let count: Int
    private let isLast: Bool
    private let parameters: ChunkerParameters
    private(set) var cuts: [Int] = []
    private(set) var isDone = false
    private var position = 0
    private var fingerprint: UInt64 = 0
    private var mask: UInt64 = 0
    private var isLoose = false
    private var phaseEnd = 0
    private var chunkEnd = 0

    init(data: UnsafePointer<UInt8>, count: Int, isLast: Bool, parameters: ChunkerParameters, start: Int) {
        self.data = data
        self.count = count
        self.isLast = isLast
        self.parameters = parameters
        begin(at: start)
    }

    /// Starts the chunk at `start`, cutting at once the last one when it is no longer than the
    /// minimum; done when no chunk may start there.
    private mutating func begin(at start: Int) {
        guard start < count, isLast || count - start >= parameters.maximumSize else {
            isDone = true
            return
        }
        let available = count - start
        if available <= parameters.minimumSize {
            cuts.append(count)
            isDone = true
            return
        }
        chunkEnd = start + min(available, parameters.maximumSize)
        phaseEnd = min(start + parameters.averageSize, chunkEnd)
        position = start + parameters.minimumSize
        fingerprint = 0
        mask = parameters.smallMask
        isLoose = false
        if position >= phaseEnd { endPhase() }
    }

    private mutating func cut(at end: Int) {
        cuts.append(end)
        begin(at: end)
    }

    /// The strict phase gives way to the loose one; the loose one ends in a cut at the maximum.
    private mutating func endPhase() {
        if !isLoose {
            isLoose = true
            mask = parameters.largeMask
            phaseEnd = chunkEnd
            if position < phaseEnd { return }
        }
        cut(at: chunkEnd)
    }

    /// Folds up to two bytes one at a time, stopping at a cut or the phase's end: exact
    /// wherever the two-byte loops stopped, and how they step over a phase's odd last byte.
    private mutating func stepSingly() {
        guard !isDone else { return }
        let gear = GearTable.values
        let stop = min(position + 2, phaseEnd)
        while position < stop {
            fingerprint = (fingerprint << 1) &+ gear[Int(data[position])]
            position += 1
            if fingerprint & mask == 0 {
                cut(at: position)
                return
            }
        }
        if position == phaseEnd { endPhase() }
    }

    /// Runs this lane two bytes per step until its next cut or phase end.
    mutating func runAlone() {
        let start = cuts.count
        while !isDone, cuts.count == start {
            let gear = GearTable.values
            let gearShifted = GearTable.shiftedValues
            let loose = mask, looseShifted = mask << 1
            var byte = data + position
            var value = fingerprint
            let pairsEnd = data + phaseEnd - 1
            while byte < pairsEnd {
                let half = (value << 2) &+ gearShifted[Int(byte[0])]
                let whole = half &+ gear[Int(byte[1])]
                if half & looseShifted == 0 || whole & loose == 0 { break }
                value = whole
                byte += 2
            }
            fingerprint = value
            position = byte - data
            stepSingly()
        }
    }

    /// Runs two lanes in one loop, two bytes each per step, until either meets a cut or a
    /// phase end; the two fingerprint chains are independent, so the core overlaps them.
    static func runTogether(_ a: inout CutLane, _ b: inout CutLane) {
        let pairs = min((a.phaseEnd - a.position) / 2, (b.phaseEnd - b.position) / 2)
        let gear = GearTable.values
        let gearShifted = GearTable.shiftedValues
        let maskA = a.mask, maskAShifted = a.mask << 1
        let maskB = b.mask, maskBShifted = b.mask << 1
        var byteA = a.data + a.position
        var byteB = b.data + b.position
        var valueA = a.fingerprint
        var valueB = b.fingerprint
        var remaining = pairs
        while remaining > 0 {
            let halfA = (valueA << 2) &+ gearShifted[Int(byteA[0])]
            let halfB = (valueB << 2) &+ gearShifted[Int(byteB[0])]
            let wholeA = halfA &+ gear[Int(byteA[1])]
            let wholeB = halfB &+ gear[Int(byteB[1])]
            if halfA & maskAShifted == 0 || wholeA & maskA == 0 || halfB & maskBShifted == 0 || wholeB & maskB == 0 {
                break
            }
            valueA = wholeA
            valueB = wholeB
            byteA += 2
            byteB += 2
            remaining &-= 1
        }
        a.fingerprint = valueA
        a.position = byteA - a.data
        b.fingerprint = valueB
        b.position = byteB - b.data
        a.stepSingly()
        b.stepSingly()
    }
}
