// Cookie and Set-Cookie header values: each cookie keeps its name and loses its value, so a capture
// still shows which cookies a client sent. Set-Cookie's attributes (Path, Expires, ...) stay.
import { Mark } from "./marks";
import { Target } from "./target";

/** `a=1; b=2`: every value hidden. */
export function redactCookie(t: Target, base: usize, start: i32, end: i32): void {
  let i = start;
  while (i < end) {
    let j = i;
    let eq = -1;
    while (j < end && load<u8>(base + j) != 0x3b) {
      if (eq < 0 && load<u8>(base + j) == 0x3d) eq = j;
      j++;
    }
    if (eq >= 0) t.hide(base, eq + 1, j, Mark.Text);
    i = j + 1;
  }
}

/** `sid=abc; Path=/; HttpOnly`: the first pair's value hidden. */
export function redactSetCookie(t: Target, base: usize, start: i32, end: i32): void {
  let eq = -1;
  let j = start;
  while (j < end && load<u8>(base + j) != 0x3b) {
    if (eq < 0 && load<u8>(base + j) == 0x3d) eq = j;
    j++;
  }
  if (eq >= 0) t.hide(base, eq + 1, j, Mark.Text);
  else t.hide(base, start, j, Mark.Text);
}
