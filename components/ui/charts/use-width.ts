"use client";
import { useEffect, useRef, useState } from "react";

/**
 * The rendered width of a chart's box, so charts draw in real pixels: text keeps its size on a phone instead of
 * shrinking with a scaled viewBox. Starts from `initial` (what the server renders) and follows resizes.
 */
export function useWidth<T extends HTMLElement>(initial = 640): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(Math.max(200, Math.floor(el.getBoundingClientRect().width)));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}
