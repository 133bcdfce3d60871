/** The identity fields every response object of one request repeats, whatever its protocol. */
export interface ResponseMeta {
  id: string;
  createdUnix: number;
  model: string;
}
