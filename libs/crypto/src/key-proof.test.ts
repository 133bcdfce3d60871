import { expect } from "chai";
import { seal } from "./box.js";
import { answerKeyProof, createKeyProof, keyProofMatches } from "./key-proof.js";
import { generateKeyPair } from "./key-pair.js";

describe("key proof", () => {
  it("is answered by the holder of the secret key", () => {
    const provider = generateKeyPair();
    const { challenge, secret } = createKeyProof(provider.publicKey);
    const answer = answerKeyProof(challenge, provider.secretKey);
    expect(answer).to.not.equal(undefined);
    expect(keyProofMatches(secret, answer ?? new Uint8Array())).to.equal(true);
  });

  it("cannot be answered with another secret key (only the public key is known)", () => {
    const victim = generateKeyPair();
    const { challenge, secret } = createKeyProof(victim.publicKey);
    expect(answerKeyProof(challenge, generateKeyPair().secretKey)).to.equal(undefined);
    expect(keyProofMatches(secret, new Uint8Array(32))).to.equal(false);
    expect(keyProofMatches(secret, new Uint8Array())).to.equal(false);
  });

  it("refuses to open a box that is not a key proof (no decryption oracle for sealed bodies)", () => {
    const provider = generateKeyPair();
    const consumer = generateKeyPair();
    const body = new TextEncoder().encode('{"messages":[{"role":"user","content":"secret"}]}');
    const sealed = seal(body, provider.publicKey, consumer.secretKey);
    expect(
      answerKeyProof({ senderPublicKey: consumer.publicKey, sealed }, provider.secretKey),
    ).to.equal(undefined);
    // the right length but without the key-proof context either
    const thirtyTwo = seal(new Uint8Array(55), provider.publicKey, consumer.secretKey);
    expect(
      answerKeyProof(
        { senderPublicKey: consumer.publicKey, sealed: thirtyTwo },
        provider.secretKey,
      ),
    ).to.equal(undefined);
  });

  it("issues a fresh secret and sender key every time", () => {
    const provider = generateKeyPair();
    const a = createKeyProof(provider.publicKey);
    const b = createKeyProof(provider.publicKey);
    expect(keyProofMatches(a.secret, b.secret)).to.equal(false);
    expect(a.challenge.senderPublicKey).to.not.deep.equal(b.challenge.senderPublicKey);
  });
});
