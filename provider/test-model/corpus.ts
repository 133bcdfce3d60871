// The embedded English text the test tokenizer's merges are learned from (no downloads).
export const CORPUS = `
The provider runs a small language model on a single machine and answers requests as they
arrive. Each request carries a list of messages: a system message that sets the tone, a user
message that asks a question, and sometimes an assistant message with an earlier answer. The
model reads the whole conversation, one token at a time, and then writes its reply.
A tokenizer turns text into numbers. It starts from raw bytes, so every string can be written,
even one with emoji or accents, and then it merges the most frequent pairs of symbols into
longer pieces. Common words such as the, and, of, to, in, is, that, for, with, as, on, it, be,
was, by, this, are, from, or, an, at, which, but, not, have, has, had, one, all, can, will and
would become single tokens, while rare words are spelled out in several smaller pieces.
When many people send requests at the same time, the scheduler keeps every sequence moving. New
sequences join the batch between two steps, finished ones leave it, and a cancelled request is
freed at the next token boundary. Nobody waits for the slowest answer in the group.
Numbers appear too: 1, 2, 3, 10, 42, 100, 2024 and 3.14159 are all valid input. So are lists,
questions? answers! quotes "like this" and apostrophes in words like don't, it's, we're, they've,
I'm, you'll and she'd. Lines end with a newline.
The weather today is mild, with a light wind from the west and a chance of rain in the evening.
The library opens at nine in the morning and closes at six in the evening, except on Sunday.
She walked along the river, counting the boats, and thought about the letter she would write.
A good engineer writes small functions, names them well, and tests the behaviour that matters.
`;
