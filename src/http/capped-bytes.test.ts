import { describe, expect, it } from 'vitest'
import { CappedBytes } from './capped-bytes.ts'

const bytes = (text: string) => Buffer.from(text)

describe('CappedBytes', () => {
  it('keeps a body that fits, exactly at the cap included', () => {
    const copy = new CappedBytes(6)
    expect(copy.add(bytes('abc'))).toBe(true)
    expect(copy.add(bytes('def'))).toBe(true)
    expect(copy.overflowed).toBe(false)
    expect(copy.bytes().toString()).toBe('abcdef')
  })

  it('keeps the start of a longer body and says it overflowed', () => {
    const copy = new CappedBytes(4)
    expect(copy.add(bytes('abc'))).toBe(true)
    expect(copy.add(bytes('def'))).toBe(false)
    expect(copy.add(bytes('ghi'))).toBe(false)
    expect(copy.overflowed).toBe(true)
    expect(copy.bytes().toString()).toBe('abcd')
  })

  it('overflows on a chunk arriving when it is already full', () => {
    const copy = new CappedBytes(3)
    copy.add(bytes('abc'))
    expect(copy.add(bytes('d'))).toBe(false)
    expect(copy.overflowed).toBe(true)
    expect(copy.bytes().toString()).toBe('abc')
  })

  it('is empty after clear', () => {
    const copy = new CappedBytes(8)
    copy.add(bytes('abc'))
    copy.clear()
    expect(copy.bytes().length).toBe(0)
  })
})
